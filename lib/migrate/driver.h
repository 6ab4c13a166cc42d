// MigrationDriver: everything the migration engine (migrator.h) needs from a database,
// in golang-migrate's split: the engine decides what runs and in which order; the driver
// holds the deployment lock, reads and writes the version tables (schema_version,
// migration_history), runs a migration's statements, and answers the engine's questions
// about the live database (privileges, layout, expected schema, data a rollback drops).
//
// Two drivers: MariaDbDriver (mariadb_driver.h), today's SQL, used by every job; and
// MemoryDriver (memory_driver.h), version tables in memory, used by the unit tests of the
// engine's plan, dirty-state and rollback logic without a server. A new driver implements
// this interface and passes tests/unit/migrator_test.cc with it.
//
// The dirty flag rule every driver keeps: RecordStarted writes a record with success = 0
// before the first statement, RecordProgress counts each committed statement, and only
// RecordApplied (or RecordRolledBack) clears it, so a crash leaves an honest state.
// Not thread-safe: one engine, one driver, one thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/lock_wait.h"
#include "db/named_lock.h"
#include "db/privileges.h"
#include "db/statement_runner.h"
#include "migrate/data_loss.h"
#include "migrate/migration.h"
#include "migrate/schema_proof.h"
#include "migrate/version_store.h"

namespace bamort {

class MigrationDriver {
 public:
  virtual ~MigrationDriver() = default;

  // --- the deployment lock -------------------------------------------------------------
  // The database's name, for messages (the lock is named after it).
  virtual std::string DatabaseName() const = 0;
  // Takes the deployment lock, waiting up to timeout_seconds (kPrecondition naming the
  // holder when it stays taken). A driver built on a lock its caller already holds
  // checks that it still holds it and takes nothing.
  virtual Status Lock(int timeout_seconds) = 0;
  // Gives back what Lock took (nothing when the caller's lock was used).
  virtual Status Unlock() = 0;
  // Another session holding the deployment lock right now (never this one), or nullopt.
  virtual Status FindOtherLockHolder(std::optional<LockHolder>* out) = 0;

  // --- version state -------------------------------------------------------------------
  virtual Status ReadState(DbVersionState* out) = 0;
  // Both version tables exist (migration 1 creates them).
  virtual bool HasVersionTables() = 0;
  // migration_history has our bookkeeping columns (GORM-made tables lack them).
  virtual bool HasBookkeeping() = 0;
  // Upstream's setupcheck marker is the newest schema_version row (version_store.h).
  virtual Status MarkerIsLatest(bool* out) = 0;

  // --- records (the meaning of each is in version_store.h) -------------------------------
  virtual Status RecordStarted(const Migration& m, bool down, const std::string& applied_by) = 0;
  virtual Status RecordProgress(int64_t number, size_t statements_done) = 0;
  virtual Status RecordFailure(int64_t number, size_t statements_done, const SqlStatement& statement,
                               const Status& error) = 0;
  virtual Status RecordApplied(const Migration& m, int64_t execution_ms, const std::string& applied_by) = 0;
  virtual Status RecordRolledBack(const Migration& m, const Migration* previous) = 0;
  virtual Status MarkFailed(int64_t number, const Status& error) = 0;
  virtual Status MarkAppliedAgain(int64_t number) = 0;
  virtual Status ForgetRecord(int64_t number) = 0;
  virtual Status RecordCurrentVersionAgain(const Migration& m) = 0;

  // --- running statements --------------------------------------------------------------
  // Before each migration: the session state every migration starts from, and the
  // bounded lock waits of its statements (db/lock_wait.h).
  virtual Status BeginMigration(const LockWaitOptions& lock_wait) = 0;
  // At the end of a Migrate or Rollback: the session's settings as they were before the
  // first BeginMigration (the caller may go on using the connection).
  virtual void EndMigrations() {}
  // Runs statements in order (statement_runner.h's contract: *progress says how far it
  // got, after_each runs after each committed statement and may stop the run).
  virtual Status Run(const std::vector<SqlStatement>& statements, const std::string& source_name,
                     const LockWaitOptions& lock_wait, RunProgress* progress,
                     const std::function<Status(size_t index)>& after_each) = 0;

  // --- questions about the live database -----------------------------------------------
  virtual Status CheckPrivileges(const std::vector<std::string>& needed, PrivilegeCheck* out) = 0;
  // What the chain cannot handle in this layout (layout_preflight.h's contract: one line
  // per problem, kPrecondition naming them when there is any).
  virtual Status CheckLayout(const DbVersionState& state, std::vector<std::string>* problems) = 0;
  // The live schema against the expected schema of (version, number); proof->checked is
  // false when there is none to compare with.
  virtual Status ProveSchemaAt(const std::string& version, int64_t number, SchemaProof* proof) = 0;
  virtual Status FindDataLoss(const std::vector<const Migration*>& plan, std::vector<DataLoss>* out) = 0;
};

}  // namespace bamort
