// MariaDbDriver: the migration engine's driver (driver.h) for MariaDB: the deployment
// lock is NamedLock (GET_LOCK), the version tables are VersionStore's SQL, statements run
// through RunStatements with bounded lock waits (db/lock_wait.h), and the questions about
// the live database go to layout_preflight, schema_proof, data_loss and privileges.
//
// The lock: built without a lock, Lock() takes the deployment lock and Unlock() releases
// it. Built on a NamedLock the caller already holds on the same connection (bamort-init
// takes it once for its whole workflow), Lock() only checks that it is still held and
// Unlock() leaves it to the caller: GET_LOCK is re-entrant on MariaDB, but nothing relies
// on that.
#pragma once

#include "db/connection.h"
#include "db/named_lock.h"
#include "migrate/driver.h"
#include "migrate/version_store.h"

namespace bamort {

class MariaDbDriver : public MigrationDriver {
 public:
  // held: a deployment lock the caller took on conn and keeps (may be null).
  explicit MariaDbDriver(Connection* conn, const NamedLock* held = nullptr) : conn_(conn), store_(conn), held_(held) {}

  std::string DatabaseName() const override { return conn_->config().name; }
  Status Lock(int timeout_seconds) override;
  Status Unlock() override;
  Status FindOtherLockHolder(std::optional<LockHolder>* out) override;

  Status ReadState(DbVersionState* out) override { return store_.Read(out); }
  // Asked before every migration; once both tables exist they stay (0001 has no down).
  bool HasVersionTables() override { return tables_seen_ || (tables_seen_ = store_.TrackingTablesExist()); }
  bool HasBookkeeping() override { return store_.HasBookkeeping(); }
  Status MarkerIsLatest(bool* out) override { return store_.MarkerIsLatest(out); }

  Status RecordStarted(const Migration& m, bool down, const std::string& applied_by) override {
    return store_.RecordStarted(m, down ? "down" : "up", applied_by);
  }
  Status RecordProgress(int64_t number, size_t statements_done) override {
    return store_.RecordProgress(number, statements_done);
  }
  Status RecordFailure(int64_t number, size_t statements_done, const SqlStatement& statement,
                       const Status& error) override {
    return store_.RecordFailure(number, statements_done, statement, error);
  }
  Status RecordApplied(const Migration& m, int64_t execution_ms, const std::string& applied_by) override {
    return store_.RecordApplied(m, execution_ms, applied_by);
  }
  Status RecordRolledBack(const Migration& m, const Migration* previous) override {
    return store_.RecordRolledBack(m, previous);
  }
  Status MarkFailed(int64_t number, const Status& error) override { return store_.MarkFailed(number, error); }
  Status MarkAppliedAgain(int64_t number) override { return store_.MarkAppliedAgain(number); }
  Status ForgetRecord(int64_t number) override { return store_.ForgetRecord(number); }
  Status RecordCurrentVersionAgain(const Migration& m) override { return store_.RecordCurrentVersionAgain(m); }

  Status BeginMigration(const LockWaitOptions& lock_wait) override;
  void EndMigrations() override;
  Status Run(const std::vector<SqlStatement>& statements, const std::string& source_name,
             const LockWaitOptions& lock_wait, RunProgress* progress,
             const std::function<Status(size_t index)>& after_each) override;

  Status CheckPrivileges(const std::vector<std::string>& needed, PrivilegeCheck* out) override;
  Status CheckLayout(const DbVersionState& state, std::vector<std::string>* problems) override;
  Status ProveSchemaAt(const std::string& version, int64_t number, SchemaProof* proof) override;
  Status FindDataLoss(const std::vector<const Migration*>& plan, std::vector<DataLoss>* out) override;

 private:
  Connection* conn_;
  VersionStore store_;
  const NamedLock* held_;
  NamedLock own_;
  bool session_changed_ = false;
  bool tables_seen_ = false;
};

}  // namespace bamort
