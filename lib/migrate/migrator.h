// Migrator: the migration engine. It knows nothing about where migrations come from
// (MigrationSource) and talks to the database only through its driver (driver.h:
// MariaDbDriver in the jobs, MemoryDriver in unit tests), in the golang-migrate style.
// What runs is decided in migration_plan.h; here is the order of the workflow, the
// lock, the records around each migration and the reports.
//
// Migrate: a cheap read of the version state first (a second pod with nothing to do
// returns at once, without the lock), then the deployment lock, a fresh read, and the
// pending migrations one by one: start record, statements (each counted), applied
// record. A failure leaves a dirty record naming the statement, its errno and message,
// unless nothing at all was committed, in which case the start record is removed.
// Rollback runs down parts in reverse after checking every one in range exists.
// Repair removes a dirty record after the operator fixed the database by hand.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/semver.h"
#include "common/status.h"
#include "db/connection.h"
#include "db/lock_wait.h"
#include "migrate/compatibility.h"
#include "migrate/driver.h"
#include "migrate/migration_plan.h"
#include "migrate/data_loss.h"
#include "migrate/migration.h"
#include "migrate/schema_proof.h"
#include "migrate/version_store.h"

namespace bamort {

struct MigrationStep {
  int64_t number = 0;
  std::string name;
  std::string version;
  std::string description;
  size_t statements = 0;
  int64_t duration_ms = 0;
};

// The step of the report for m (its duration left 0).
MigrationStep StepOf(const Migration& m, bool down);

struct MigrateOptions {
  std::optional<SemVer> to_version;  // default: the last migration
  bool dry_run = false;
  int lock_timeout_seconds = 60;
  LockWaitOptions lock_wait;         // each statement's bounded wait for its table locks
  std::string applied_by;            // "host pid job", stored in migration_history
  std::ostream* sql_out = nullptr;   // dry run: where the SQL goes
  // The operation this migrate is part of ("init"): its own mark (db/operation_mark.h)
  // does not stop it. Any other mark does: the database is half restored or initialised.
  std::string part_of_operation;
  // Runs once the plan is known to change something, before the lock and before any
  // change (bamort-migrate's --require-backup gate); its error stops the run.
  std::function<Status()> before_changes;
};

struct RollbackOptions {
  std::optional<int64_t> steps;
  std::optional<SemVer> to_version;
  bool dry_run = false;
  // A fresh ok backup report was accepted (--require-backup): a rollback that drops
  // tables or columns holding data may run. Without it such a rollback is refused.
  bool backup_verified = false;
  int lock_timeout_seconds = 60;
  LockWaitOptions lock_wait;
  std::string applied_by;
  std::ostream* sql_out = nullptr;
};

struct MigrateResult {
  int64_t number_before = 0;
  int64_t number_after = 0;
  std::optional<std::string> version_before;
  std::optional<std::string> version_after;
  std::string layout_before;
  std::vector<MigrationStep> steps;  // applied (or planned, in a dry run)
  bool lock_taken = false;
  std::optional<MigrationRecord> dirty;  // the record a failure left behind
  std::vector<std::string> checksum_drift;
  std::vector<SchemaProof> schema_checks;  // where the run stopped, when that is a version's end
  bool version_recorded_again = false;     // after upstream's setupcheck marker
  std::vector<DataLoss> data_loss;         // rollback: what its down parts would drop
  std::vector<std::string> preflight_problems;  // migrate: what the chain cannot handle
};

// The start of the error message a failed schema check leaves in migration_history.
inline constexpr const char* kSchemaCheckPrefix = "schema check ";

class Migrator {
 public:
  // The engine on its own MariaDB driver (mariadb_driver.h): takes and releases the
  // deployment lock itself.
  Migrator(Connection* conn, const std::vector<Migration>& migrations);
  // The engine on a driver the caller owns: MariaDbDriver(conn, &held_lock) when the
  // workflow already holds the deployment lock (bamort-init), MemoryDriver in unit tests.
  Migrator(MigrationDriver* driver, const std::vector<Migration>& migrations)
      : driver_(driver), migrations_(migrations) {}
  ~Migrator();
  Migrator(const Migrator&) = delete;
  Migrator& operator=(const Migrator&) = delete;

  Status Migrate(const MigrateOptions& options, MigrateResult* result);
  Status Rollback(const RollbackOptions& options, MigrateResult* result);
  // Removes the dirty record so the (idempotent) migration runs again from its first
  // statement on the next migrate. *repaired receives the record that was removed.
  Status Repair(int lock_timeout_seconds, std::optional<MigrationRecord>* repaired);

 private:
  Status ReadState(DbVersionState* state, Compatibility* compat);
  // Before the lock: the plan on a cheap read (empty when nothing is pending), or
  // *in_progress when another session is applying a migration right now.
  Status PlanBeforeLock(const MigrateOptions& options, const UpPlanRequest& request, const DbVersionState& state,
                        bool* in_progress, std::vector<const Migration*>* plan);
  Status DryRunMigrate(const MigrateOptions& options, const DbVersionState& state,
                       const std::vector<const Migration*>& plan, MigrateResult* result);
  Status RunOne(const Migration& m, bool down, const std::string& applied_by, int64_t* duration_ms,
                size_t* committed);
  // After a failed statement of a recorded migration: the dirty record (or, when nothing
  // was committed by an up, no record at all).
  void RecordRunFailure(const Migration& m, bool down, const RunProgress& progress, const Status& failure);
  // Runs the migrations of plan in order (down: their down parts) and records each step,
  // number_after and version_after in result.
  Status RunPlan(const std::vector<const Migration*>& plan, bool down, const std::string& applied_by,
                 MigrateResult* result);
  void PrintPlan(std::ostream& out, const std::vector<const Migration*>& plan, bool down,
                 const DbVersionState& state) const;
  // The other session holding the deployment lock while state has a started (dirty)
  // record: a migration running right now, not a dirty database. Asked once per workflow.
  std::optional<LockHolder> RunningMigrationHolder(const DbVersionState& state);
  Status ProveVersionReached(const Migration& m, bool down, MigrateResult* result);
  Status CheckMigratePrivileges();
  Status Preflight(const DbVersionState& state, MigrateResult* result);
  Status RecordVersionAfterUpstreamMarker(const DbVersionState& state, const MigrateOptions& options,
                                          MigrateResult* result);
  // Version tables made by GORM lack our bookkeeping columns; migration 1's statements
  // (all IF NOT EXISTS) add them before anything is recorded.
  Status EnsureBookkeeping();
  // The migration in force after m's down part ran (null: none at all).
  const Migration* Previous(const Migration& m) const;

  std::unique_ptr<MigrationDriver> owned_driver_;
  MigrationDriver* driver_;
  const std::vector<Migration>& migrations_;
  LockWaitOptions lock_wait_;  // of the running Migrate or Rollback
};

}  // namespace bamort
