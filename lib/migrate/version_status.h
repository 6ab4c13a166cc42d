// VersionStatus: everything bamort-status shows, gathered once: versions, compatibility,
// pending migrations, the last migration, the dirty record, checksum drift, the holder
// of the deployment lock, and whether the schema is the one its version must have. The
// one place where the state of a database is read and judged: status, migrate, backup,
// import and health all use it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "db/connection.h"
#include "db/named_lock.h"
#include "migrate/compatibility.h"
#include "migrate/migration.h"
#include "migrate/schema_proof.h"
#include "migrate/version_store.h"

namespace bamort {

struct VersionStatus {
  DbVersionState state;
  Compatibility compat;
  std::optional<LockHolder> lock_holder;
  // A started migration record while the lock is held: someone is migrating right now.
  bool migration_in_progress = false;
  // The restore/init mark while the lock is held: that operation is running right now.
  bool operation_in_progress = false;
  // For a database recorded at the required version: its schema against that version's
  // expected schema. A mismatch turns the state into kDrifted.
  SchemaProof schema;
};

Status ReadVersionStatus(Connection* conn, const std::vector<Migration>& migrations, VersionStatus* out);
Poco::JSON::Object::Ptr VersionStatusToJson(const VersionStatus& status);
std::string VersionStatusToText(const VersionStatus& status, const std::string& database);
// What the operator does next for an incompatible state ("" when there is nothing to
// say): for a restore/init mark the way out, for behind "run bamort-migrate".
std::string VersionStatusHint(const VersionStatus& status);

// The migration history in the manner of Flyway's `info`: every migration this build
// knows and every one the database recorded, with its state (applied, pending, dirty,
// baseline, unknown), when and by whom it was applied, and whether its checksum matches.
struct HistoryEntry {
  int64_t number = 0;
  std::string version;
  std::string description;
  std::string state;
  std::optional<int64_t> applied_at;  // Unix seconds
  std::string applied_by;
  std::string checksum;  // "ok", "changed", "" when not recorded
};
std::vector<HistoryEntry> MigrationHistory(const VersionStatus& status, const std::vector<Migration>& migrations);
Poco::JSON::Array::Ptr MigrationHistoryToJson(const std::vector<HistoryEntry>& history);
std::string MigrationHistoryToText(const std::vector<HistoryEntry>& history);

}  // namespace bamort
