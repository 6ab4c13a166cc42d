// MemoryDriver: a migration driver (driver.h) whose version tables, lock and statements
// live in memory, for the unit tests of the engine (tests/unit/migrator_test.cc): the
// plan, the dirty-state records and the rollback logic run without a server. It keeps
// the version tables' rules of VersionStore (version_store.h): the highest successful
// record is the applied migration, the first unsuccessful one is dirty, schema_version is
// an append-only log.
//
// A test sets the database up through the public fields, runs the engine, and reads the
// fields back. Statements are not interpreted: they are appended to `executed`, and the
// one equal to fail_statement fails with fail_errno. A CREATE TABLE naming
// migration_history makes the version tables appear (what migration 1 does).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migrate/driver.h"

namespace bamort {

struct VersionRow {
  std::string version;
  int64_t number = 0;
  std::string description;
};

class MemoryDriver : public MigrationDriver {
 public:
  // --- the database --------------------------------------------------------------------
  bool version_tables = true;
  bool bookkeeping = true;
  std::map<int64_t, MigrationRecord> records;  // migration_history by number
  // schema_version, oldest first (a row's id is its position, from 1); a row with the
  // marker's version, number 1 and description is upstream's setupcheck marker.
  std::vector<VersionRow> version_rows;
  bool marker_latest = false;  // MarkerIsLatest's answer, set by a test
  std::string layout = "main";
  std::optional<OperationMark> operation;
  // --- the lock ------------------------------------------------------------------------
  bool caller_holds_lock = false;          // built on a lock the caller took (bamort-init)
  std::optional<LockHolder> other_holder;  // another session holds the lock
  bool locked = false;                     // taken by Lock() and not given back
  int locks_taken = 0;
  // --- answers and faults --------------------------------------------------------------
  std::vector<std::string> missing_privileges;
  std::vector<std::string> layout_problems;
  std::vector<DataLoss> data_loss;
  std::string fail_statement;  // the statement (text) that fails
  unsigned fail_errno = 1146;
  std::string fail_message = "Table doesn't exist";
  std::vector<std::string> executed;  // every statement run, in order

  // A successful record of m, as if it had been applied (for setting a database up).
  void MarkApplied(const Migration& m);

  std::string DatabaseName() const override { return "memory"; }
  Status Lock(int timeout_seconds) override;
  Status Unlock() override;
  Status FindOtherLockHolder(std::optional<LockHolder>* out) override;

  Status ReadState(DbVersionState* out) override;
  bool HasVersionTables() override { return version_tables; }
  bool HasBookkeeping() override { return bookkeeping; }
  Status MarkerIsLatest(bool* out) override;

  Status RecordStarted(const Migration& m, bool down, const std::string& applied_by) override;
  Status RecordProgress(int64_t number, size_t statements_done) override;
  Status RecordFailure(int64_t number, size_t statements_done, const SqlStatement& statement,
                       const Status& error) override;
  Status RecordApplied(const Migration& m, int64_t execution_ms, const std::string& applied_by) override;
  Status RecordRolledBack(const Migration& m, const Migration* previous) override;
  Status MarkFailed(int64_t number, const Status& error) override;
  Status MarkAppliedAgain(int64_t number) override;
  Status ForgetRecord(int64_t number) override;
  Status RecordCurrentVersionAgain(const Migration& m) override;

  Status BeginMigration(const LockWaitOptions&) override { return Status::Ok(); }
  Status Run(const std::vector<SqlStatement>& statements, const std::string& source_name,
             const LockWaitOptions& lock_wait, RunProgress* progress,
             const std::function<Status(size_t index)>& after_each) override;

  Status CheckPrivileges(const std::vector<std::string>& needed, PrivilegeCheck* out) override;
  Status CheckLayout(const DbVersionState& state, std::vector<std::string>* problems) override;
  Status ProveSchemaAt(const std::string&, int64_t, SchemaProof* proof) override {
    *proof = SchemaProof();  // no expected schema in memory: not checked
    return Status::Ok();
  }
  Status FindDataLoss(const std::vector<const Migration*>& plan, std::vector<DataLoss>* out) override;

 private:
  Status Find(int64_t number, MigrationRecord** out);
  // VersionStore's latest_version_row and marker_after_latest, from version_rows.
  void ReadLatestVersionRow(DbVersionState* st) const;
};

}  // namespace bamort
