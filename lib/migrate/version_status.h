// VersionStatus: everything bamort-status shows, gathered once: versions, compatibility,
// pending migrations, the last migration, the dirty record, checksum drift, and the
// holder of the deployment lock. Also used for the migrate report and by health.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "db/connection.h"
#include "db/named_lock.h"
#include "migrate/compatibility.h"
#include "migrate/migration.h"
#include "migrate/version_store.h"

namespace bamort {

struct VersionStatus {
  DbVersionState state;
  Compatibility compat;
  std::optional<LockHolder> lock_holder;
  // A started migration record while the lock is held: someone is migrating right now.
  bool migration_in_progress = false;
};

Status ReadVersionStatus(Connection* conn, const std::vector<Migration>& migrations, VersionStatus* out);
Poco::JSON::Object::Ptr VersionStatusToJson(const VersionStatus& status);
std::string VersionStatusToText(const VersionStatus& status, const std::string& database);

}  // namespace bamort
