// Compatibility of the database with this build: an exact match of the migration
// number and version is compatible; fewer applied migrations is "behind" (migration
// needed); more is "ahead" (the backend is too old); a dirty record is "dirty"
// (incompatible until repaired or restored). Shared by status, migrate and health.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/semver.h"
#include "migrate/migration.h"
#include "migrate/version_store.h"

namespace bamort {

// kDrifted: recorded at the required version, but the schema is not that version's
// (version_status.h decides it; AssessCompatibility sees only the version tables).
// kRestoreIncomplete / kInitIncomplete: the database carries the mark of a restore or
// init that has not finished (db/operation_mark.h), killed or still running; it comes
// before every other state, since the version tables of a half-loaded database mean
// nothing. Names: "restore_incomplete", "init_incomplete".
enum class CompatState { kCompatible, kBehind, kAhead, kDirty, kDrifted, kRestoreIncomplete, kInitIncomplete };
const char* CompatStateName(CompatState s);

struct Compatibility {
  CompatState state = CompatState::kCompatible;
  std::string reason;
  SemVer required;
  std::optional<std::string> actual_version;  // the version the migrations give the DB's number
  int64_t actual_number = 0;
  std::vector<const Migration*> pending;       // in order
  std::vector<std::string> checksum_drift;     // "0003_x.sql: applied abc..., file now def..."
};

// migrations must be the full, checked list (CheckMigrationSequence).
Compatibility AssessCompatibility(const DbVersionState& state, const std::vector<Migration>& migrations);

}  // namespace bamort
