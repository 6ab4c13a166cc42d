#include "migrate/mariadb_driver.h"

#include "migrate/layout_preflight.h"

namespace bamort {

Status MariaDbDriver::Lock(int timeout_seconds) {
  if (held_ != nullptr) {
    if (held_->connection() != conn_) return Status::Failed("internal: the deployment lock is held on another connection");
    return held_->VerifyHeld();
  }
  if (own_.held()) return Status::Ok();
  return own_.AcquireDeployment(conn_, timeout_seconds);
}

Status MariaDbDriver::Unlock() { return held_ != nullptr ? Status::Ok() : own_.Release(); }

Status MariaDbDriver::FindOtherLockHolder(std::optional<LockHolder>* out) {
  BAMORT_RETURN_IF_ERROR(FindLockHolder(conn_, NamedLock::NameFor(conn_->config().name), out));
  if (*out && (*out)->connection_id == conn_->connection_id()) out->reset();
  return Status::Ok();
}

// Every migration starts from the same session state, whatever the one before it set
// (0002 switches FOREIGN_KEY_CHECKS off and on; a failure would leave it off). User
// variables are re-set by each migration itself. COM_RESET_CONNECTION is not an option:
// it would release the deployment lock. One round trip for both.
Status MariaDbDriver::BeginMigration(const LockWaitOptions& lock_wait) {
  session_changed_ = true;
  return conn_->Execute(
      "SET SESSION foreign_key_checks = 1, unique_checks = 1, sql_mode = DEFAULT, "
      "NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, " + SessionLockWaitAssignments(lock_wait));
}

void MariaDbDriver::EndMigrations() {
  if (!session_changed_) return;
  session_changed_ = false;
  SessionLockWaitScope restore(conn_);  // gives the server's default lock waits back
}

Status MariaDbDriver::Run(const std::vector<SqlStatement>& statements, const std::string& source_name,
                          const LockWaitOptions& lock_wait, RunProgress* progress,
                          const std::function<Status(size_t index)>& after_each) {
  return RunStatements(conn_, statements, source_name, progress, after_each, &lock_wait);
}

Status MariaDbDriver::CheckPrivileges(const std::vector<std::string>& needed, PrivilegeCheck* out) {
  return bamort::CheckPrivileges(conn_, needed, out);
}

Status MariaDbDriver::CheckLayout(const DbVersionState& state, std::vector<std::string>* problems) {
  return CheckLayoutPreflight(conn_, state, problems);
}

Status MariaDbDriver::ProveSchemaAt(const std::string& version, int64_t number, SchemaProof* proof) {
  *proof = SchemaProof();
  if (!HasExpectedSchemaAt(version, number)) return Status::Ok();
  return ProveSchema(conn_, version, number, proof);
}

Status MariaDbDriver::FindDataLoss(const std::vector<const Migration*>& plan, std::vector<DataLoss>* out) {
  return bamort::FindDataLoss(conn_, plan, out);
}

}  // namespace bamort
