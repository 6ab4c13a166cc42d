// MigrationPlan: which migrations a migrate or rollback runs, decided from the version
// state alone (no database, no lock): the pending list up to a target version, the down
// parts of a rollback, and every refusal that comes before anything changes (a dirty
// database, an unfinished restore or init, a database ahead of this build, a target the
// wrong way, an irreversible migration in range). The migration engine (migrator.h) asks
// here twice: before the lock on a cheap read, and under the lock on a fresh one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/semver.h"
#include "common/status.h"
#include "migrate/migration.h"
#include "migrate/version_store.h"

namespace bamort {

// The number of the last migration of to_version (the last migration when unset);
// kBadInput naming the known versions when no migration has that version.
Status ResolveTargetNumber(const std::vector<Migration>& migrations, const std::optional<SemVer>& to_version,
                           int64_t* number);

// kPrecondition for a dirty record: what failed and the two ways out.
Status DirtyRefusal(const MigrationRecord& dirty);
// kPrecondition naming the unfinished restore/init and its way out.
Status OperationRefusal(const DbVersionState& state);

struct UpPlanRequest {
  int64_t target = 0;                    // ResolveTargetNumber
  std::optional<SemVer> to_version;      // as given, for messages
  std::string part_of_operation;         // its own operation mark does not stop it
};

// The migrations after the database's number up to request.target, in order. Refuses an
// unfinished operation, a dirty database, a database ahead of this build (kPrecondition)
// and a target below the database (kBadInput).
Status PlanMigrate(const DbVersionState& state, const std::vector<Migration>& migrations,
                   const UpPlanRequest& request, std::vector<const Migration*>* plan);

struct DownPlanRequest {
  std::optional<int64_t> steps;
  std::optional<SemVer> to_version;
};

// The migrations to roll back, newest first. Refuses an unfinished operation, a dirty
// database, a database ahead of this build, exactly-one-of --steps/--to-version, a target
// the wrong way, and any migration in range without a down part. The caller checks first
// whether the dirty record is a migration running right now (another lock holder).
Status PlanRollback(const DbVersionState& state, const std::vector<Migration>& migrations,
                    const DownPlanRequest& request, std::vector<const Migration*>* plan);

}  // namespace bamort
