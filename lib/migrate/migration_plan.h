// MigrationPlan: which migrations a migrate or rollback runs, decided from the version
// state alone (no database, no lock): the pending list up to a target version, the down
// parts of a rollback, and every refusal that comes before anything changes (a dirty
// database, a migration running elsewhere, an unfinished restore or init, a database
// ahead of this build, a target the wrong way, an irreversible migration in range). The
// migration engine (migrator.h) asks here twice: before the lock on a cheap read, and
// under the lock on a fresh one. Whether another session holds the lock is the one fact
// not in the version state: the engine asks its driver once and passes it in the request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/semver.h"
#include "common/status.h"
#include "db/named_lock.h"
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
// kPrecondition for a dirty record while holder has the deployment lock: a migration is
// running, not a dirty database.
Status RunningMigrationRefusal(const MigrationRecord& dirty, const LockHolder& holder);

struct UpPlanRequest {
  int64_t target = 0;                    // ResolveTargetNumber
  std::optional<SemVer> to_version;      // as given, for messages
  std::string part_of_operation;         // its own operation mark does not stop it
  // Another session holding the deployment lock while the state has a dirty record: a
  // migration running right now (nullopt under our own lock).
  std::optional<LockHolder> running;
};

// The migrations after the database's number up to request.target, in order. Refuses an
// unfinished operation, a dirty database, a database ahead of this build (kPrecondition)
// and a target below the database (kBadInput). A dirty record that is a migration
// running elsewhere (request.running) is no refusal: the plan stays empty and the caller
// waits for the lock and reads again.
Status PlanMigrate(const DbVersionState& state, const std::vector<Migration>& migrations,
                   const UpPlanRequest& request, std::vector<const Migration*>* plan);

struct DownPlanRequest {
  std::optional<int64_t> steps;
  std::optional<SemVer> to_version;
  std::optional<LockHolder> running;  // as in UpPlanRequest
};

// The migrations to roll back, newest first. Refuses, in this order, an unfinished
// operation, a migration running elsewhere (request.running), anything but exactly one
// of --steps/--to-version, a dirty database, a database ahead of this build, a target
// the wrong way, and any migration in range without a down part.
Status PlanRollback(const DbVersionState& state, const std::vector<Migration>& migrations,
                    const DownPlanRequest& request, std::vector<const Migration*>* plan);

}  // namespace bamort
