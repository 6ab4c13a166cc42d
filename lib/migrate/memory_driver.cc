#include "migrate/memory_driver.h"

#include <algorithm>

namespace bamort {

namespace {

// The record of m as migration_history starts it: identity and checksum, nothing done yet.
MigrationRecord RecordOf(const Migration& m) {
  MigrationRecord r;
  r.number = m.number;
  r.version = m.version.ToString();
  r.description = m.description;
  r.checksum = m.checksum;
  return r;
}

}  // namespace

void MemoryDriver::MarkApplied(const Migration& m) {
  MigrationRecord r = RecordOf(m);
  r.success = true;
  r.statements_total = r.statements_done = static_cast<int64_t>(m.up.size());
  records[m.number] = r;
  version_rows.push_back({r.version, m.number, m.description});
}

Status MemoryDriver::Lock(int timeout_seconds) {
  if (caller_holds_lock) return Status::Ok();
  if (other_holder) {
    return Status::Precondition("deployment lock is held by " + other_holder->Describe() + " (waited " +
                                std::to_string(timeout_seconds) + " s)");
  }
  if (locked) return Status::Failed("internal: the deployment lock is already held");
  locked = true;
  ++locks_taken;
  return Status::Ok();
}

Status MemoryDriver::Unlock() {
  if (!caller_holds_lock) locked = false;
  return Status::Ok();
}

Status MemoryDriver::FindOtherLockHolder(std::optional<LockHolder>* out) {
  *out = other_holder;
  return Status::Ok();
}

Status MemoryDriver::ReadState(DbVersionState* out) {
  DbVersionState st;
  st.layout = layout;
  st.operation = operation;
  st.has_tracking = version_tables;
  if (!version_tables) {
    *out = st;
    return Status::Ok();
  }
  for (const auto& [number, r] : records) {
    if (r.success) {
      st.applied.push_back(r);
      st.migration_number = std::max(st.migration_number, number);
      st.version = r.version;
    } else if (!st.dirty) {
      st.dirty = r;
    }
  }
  ReadLatestVersionRow(&st);
  if (st.applied.empty() && !version_rows.empty()) {
    auto top = std::max_element(version_rows.begin(), version_rows.end(),
                                [](const VersionRow& a, const VersionRow& b) { return a.number < b.number; });
    st.gorm_baseline = true;
    st.migration_number = top->number;
    st.version = top->version;
  }
  *out = st;
  return Status::Ok();
}

// A row's id is its position in version_rows, counted from 1 (AUTO_INCREMENT).
void MemoryDriver::ReadLatestVersionRow(DbVersionState* st) const {
  for (size_t i = version_rows.size(); i-- > 0;) {
    const VersionRow& row = version_rows[i];
    const int64_t id = static_cast<int64_t>(i) + 1;
    if (!IsUpstreamMarkerRow(row.version, row.number, row.description)) {
      st->latest_version_row = SchemaVersionRow{row.version, row.number, id};
      return;
    }
    if (!st->marker_after_latest) st->marker_after_latest = id;
  }
  st->marker_after_latest.reset();  // marker rows only: nothing for them to come after
}

Status MemoryDriver::MarkerIsLatest(bool* out) {
  *out = marker_latest;
  return Status::Ok();
}

Status MemoryDriver::Find(int64_t number, MigrationRecord** out) {
  auto it = records.find(number);
  if (it == records.end()) return Status::Failed("no migration_history record of migration " + std::to_string(number));
  *out = &it->second;
  return Status::Ok();
}

Status MemoryDriver::RecordStarted(const Migration& m, bool down, const std::string& applied_by) {
  MigrationRecord r = RecordOf(m);
  r.applied_by = applied_by;
  r.statements_total = static_cast<int64_t>(down ? m.down.size() : m.up.size());
  r.statements_done = 0;
  if (down) r.error_message = "rollback started";
  records[m.number] = r;
  return Status::Ok();
}

Status MemoryDriver::RecordProgress(int64_t number, size_t statements_done) {
  MigrationRecord* r = nullptr;
  BAMORT_RETURN_IF_ERROR(Find(number, &r));
  r->statements_done = static_cast<int64_t>(statements_done);
  return Status::Ok();
}

Status MemoryDriver::RecordFailure(int64_t number, size_t statements_done, const SqlStatement& statement,
                                   const Status& error) {
  MigrationRecord* r = nullptr;
  BAMORT_RETURN_IF_ERROR(Find(number, &r));
  r->success = false;
  r->statements_done = static_cast<int64_t>(statements_done);
  r->failed_statement = statement.text;
  r->error_errno = error.db_errno();
  r->error_message = error.message();
  return Status::Ok();
}

Status MemoryDriver::RecordApplied(const Migration& m, int64_t, const std::string&) {
  MigrationRecord* r = nullptr;
  BAMORT_RETURN_IF_ERROR(Find(m.number, &r));
  r->success = true;
  r->error_message.reset();
  r->failed_statement.reset();
  r->error_errno.reset();
  r->statements_done = r->statements_total;
  version_rows.push_back({m.version.ToString(), m.number, m.description});
  return Status::Ok();
}

Status MemoryDriver::RecordRolledBack(const Migration& m, const Migration* previous) {
  if (!version_tables) return Status::Ok();
  records.erase(m.number);
  version_rows.push_back({previous ? previous->version.ToString() : "0.0.0", previous ? previous->number : 0,
                          "rollback of migration " + std::to_string(m.number)});
  return Status::Ok();
}

Status MemoryDriver::MarkFailed(int64_t number, const Status& error) {
  MigrationRecord* r = nullptr;
  BAMORT_RETURN_IF_ERROR(Find(number, &r));
  r->success = false;
  r->error_message = error.message();
  return Status::Ok();
}

Status MemoryDriver::MarkAppliedAgain(int64_t number) {
  MigrationRecord* r = nullptr;
  BAMORT_RETURN_IF_ERROR(Find(number, &r));
  r->success = true;
  r->error_message.reset();
  r->failed_statement.reset();
  r->error_errno.reset();
  return Status::Ok();
}

Status MemoryDriver::ForgetRecord(int64_t number) {
  records.erase(number);
  return Status::Ok();
}

Status MemoryDriver::RecordCurrentVersionAgain(const Migration& m) {
  version_rows.push_back({m.version.ToString(), m.number, "version recorded again after upstream's setupcheck marker"});
  marker_latest = false;
  return Status::Ok();
}

Status MemoryDriver::Run(const std::vector<SqlStatement>& statements, const std::string& source_name,
                         const LockWaitOptions&, RunProgress* progress,
                         const std::function<Status(size_t index)>& after_each) {
  *progress = RunProgress();
  for (size_t i = 0; i < statements.size(); ++i) {
    const std::string& text = statements[i].text;
    executed.push_back(text);
    if (!fail_statement.empty() && text == fail_statement) {
      progress->failed_index = static_cast<int>(i);
      return Status::DatabaseError(fail_errno, fail_message)
          .WithContext(source_name + ": statement " + std::to_string(i + 1) + " of " +
                       std::to_string(statements.size()) + " (line " + std::to_string(statements[i].line) + ")");
    }
    if (text.find("CREATE TABLE") != std::string::npos && text.find("migration_history") != std::string::npos) {
      version_tables = true;
    }
    progress->committed = i + 1;
    if (after_each) BAMORT_RETURN_IF_ERROR(after_each(i));
  }
  return Status::Ok();
}

Status MemoryDriver::CheckPrivileges(const std::vector<std::string>&, PrivilegeCheck* out) {
  *out = PrivilegeCheck();
  out->missing = missing_privileges;
  return Status::Ok();
}

Status MemoryDriver::CheckLayout(const DbVersionState&, std::vector<std::string>* problems) {
  *problems = layout_problems;
  if (problems->empty()) return Status::Ok();
  std::string all;
  for (const std::string& p : *problems) all += (all.empty() ? "" : "; ") + p;
  return Status::Precondition("the database cannot be migrated: " + all);
}

Status MemoryDriver::FindDataLoss(const std::vector<const Migration*>&, std::vector<DataLoss>* out) {
  *out = data_loss;
  return Status::Ok();
}

}  // namespace bamort
