#include "migrate/version_store.h"

#include <chrono>
#include <set>

#include "build_info.h"
#include "common/clock.h"

namespace bamort {

namespace {

int64_t NowUnix() { return UnixSeconds(std::chrono::system_clock::now()); }

std::optional<int64_t> OptInt(const ResultSet& rs, size_t row, int col) {
  if (col < 0 || rs.IsNull(row, col)) return std::nullopt;
  return rs.GetInt64(row, col);
}
std::optional<std::string> OptStr(const ResultSet& rs, size_t row, int col) {
  if (col < 0 || rs.IsNull(row, col)) return std::nullopt;
  return rs.GetString(row, col);
}

}  // namespace

bool VersionStore::TrackingTablesExist() {
  Value v;
  Status s = conn_->QueryValue(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
      "AND TABLE_NAME IN ('migration_history', 'schema_version')",
      &v);
  return s.ok() && v && *v == "2";
}

bool VersionStore::HasBookkeeping() {
  Value v;
  Status s = conn_->QueryValue(
      "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
      "AND TABLE_NAME = 'migration_history' AND COLUMN_NAME IN ('checksum', 'statements_total', 'statements_done', "
      "'failed_statement', 'error_errno')",
      &v);
  return s.ok() && v && *v == "5";
}

Status VersionStore::DetectLayout(DbVersionState* state) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(
      conn_->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND " +
                       NotOperationMarkCondition(), &rs));
  std::set<std::string> tables;
  for (size_t i = 0; i < rs.size(); ++i) tables.insert(rs.GetString(i, 0));
  state->table_count = static_cast<int>(tables.size());
  auto has = [&](const char* t) { return tables.count(t) > 0; };
  if (tables.empty()) state->layout = "empty";
  else if (has("learning_sources") || has("skill_skills")) state->layout = "legacy";
  else if (has("game_systems") && has("skill_improvement_cost2")) state->layout = "main";
  else if (has("gsm_lit_sources") && has("gsm_misc")) state->layout = "v0.1.37";
  else state->layout = "unknown";
  return Status::Ok();
}

Status VersionStore::ReadRecords(bool with_bookkeeping, std::vector<MigrationRecord>* out) {
  std::string extra = with_bookkeeping
                          ? "checksum, statements_total, statements_done, failed_statement, error_errno"
                          : "NULL, NULL, NULL, NULL, NULL";
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn_->Query(
      "SELECT migration_number, version, description, applied_at, applied_by, success, error_message, " + extra +
          " FROM migration_history ORDER BY migration_number",
      &rs));
  out->clear();
  for (size_t i = 0; i < rs.size(); ++i) {
    MigrationRecord r;
    r.number = rs.GetInt64(i, 0);
    r.version = rs.GetString(i, 1);
    r.description = rs.GetString(i, 2);
    r.applied_at = rs.GetInt64(i, 3);
    r.applied_by = rs.GetString(i, 4);
    r.success = rs.IsNull(i, 5) || rs.GetInt64(i, 5) != 0;  // GORM's default is 1
    r.error_message = OptStr(rs, i, 6);
    r.checksum = OptStr(rs, i, 7);
    r.statements_total = OptInt(rs, i, 8);
    r.statements_done = OptInt(rs, i, 9);
    r.failed_statement = OptStr(rs, i, 10);
    r.error_errno = OptInt(rs, i, 11);
    out->push_back(std::move(r));
  }
  return Status::Ok();
}

Status VersionStore::Read(DbVersionState* out) {
  std::optional<OperationMark> mark;
  BAMORT_RETURN_IF_ERROR(ReadOperationMark(conn_, "", &mark));
  Status s = ReadState(out);
  if (mark) {
    // Half restored: whatever the version tables say (or fail to say) is not the state.
    out->operation = mark;
    if (!s.ok()) {
      DbVersionState partial;
      partial.layout = out->layout;
      partial.table_count = out->table_count;
      partial.operation = mark;
      partial.unreadable_because = s.message();
      *out = partial;
    }
    return Status::Ok();
  }
  if (s.db_errno() == dberr::kUnknownColumn) {
    // Version tables some layout made without a column every Bamort version has: the
    // state cannot be read, which is a precondition of every job, not a failure of ours.
    return Status::Precondition("the version tables lack a column they must have: " + s.message(),
                                "nothing was changed; compare schema_version and migration_history with "
                                "docs/MIGRATIONS.md, 'Layout variants'");
  }
  return s;
}

Status VersionStore::ReadState(DbVersionState* out) {
  DbVersionState st;
  BAMORT_RETURN_IF_ERROR(DetectLayout(&st));
  st.has_tracking = TrackingTablesExist();
  if (!st.has_tracking) {
    *out = st;
    return Status::Ok();
  }
  std::vector<MigrationRecord> records;
  BAMORT_RETURN_IF_ERROR(ReadRecords(HasBookkeeping(), &records));
  for (MigrationRecord& r : records) {
    if (r.success) {
      st.applied.push_back(r);
      st.migration_number = std::max(st.migration_number, r.number);
      st.version = r.version;
    } else if (!st.dirty) {
      st.dirty = r;
    }
  }
  BAMORT_RETURN_IF_ERROR(ReadLatestVersionRow(&st));
  if (st.applied.empty()) {
    ResultSet rs;
    BAMORT_RETURN_IF_ERROR(conn_->Query(
        "SELECT migration_number, version FROM schema_version ORDER BY migration_number DESC, id DESC LIMIT 1", &rs));
    if (!rs.empty()) {
      st.gorm_baseline = true;
      st.migration_number = rs.GetInt64(0, 0);
      st.version = rs.GetString(0, 1);
    }
  }
  *out = st;
  return Status::Ok();
}

// One query for both; in the subquery the marker condition's columns are those of m.
// The outer columns stay unqualified, so a missing one is named as the layout checks
// expect ('version').
Status VersionStore::ReadLatestVersionRow(DbVersionState* state) {
  ResultSet rs;
  Status s = conn_->Query(
      "SELECT version, migration_number, id, (SELECT MAX(m.id) FROM schema_version m WHERE " +
          UpstreamMarkerCondition() + " AND m.id > schema_version.id) FROM schema_version WHERE NOT (" +
          UpstreamMarkerCondition() + ") ORDER BY id DESC LIMIT 1",
      &rs);
  if (s.db_errno() == dberr::kUnknownColumn) {
    // Without a description column (migration 1 adds it back) no row is upstream's marker.
    s = conn_->Query("SELECT version, migration_number, id, NULL FROM schema_version ORDER BY id DESC LIMIT 1", &rs);
  }
  BAMORT_RETURN_IF_ERROR(s);
  if (rs.empty()) return Status::Ok();
  state->latest_version_row = SchemaVersionRow{rs.GetString(0, 0), rs.GetInt64(0, 1), rs.GetInt64(0, 2)};
  state->marker_after_latest = OptInt(rs, 0, 3);
  return Status::Ok();
}

Status VersionStore::RecordStarted(const Migration& m, const std::string& direction, const std::string& applied_by) {
  size_t total = direction == "down" ? m.down.size() : m.up.size();
  std::string marker = direction == "down" ? "'rollback started'" : "NULL";
  return conn_->Execute(
      "INSERT INTO migration_history (migration_number, version, description, applied_at, applied_by, "
      "execution_time_ms, success, error_message, rollback_available, checksum, statements_total, statements_done, "
      "failed_statement, error_errno) VALUES (" +
      std::to_string(m.number) + ", " + conn_->Quote(m.version.ToString()) + ", " + conn_->Quote(m.description) +
      ", " + std::to_string(NowUnix()) + ", " + conn_->Quote(applied_by.substr(0, 100)) + ", NULL, 0, " + marker +
      ", " + (m.has_down ? "1" : "0") + ", " + conn_->Quote(m.checksum) + ", " + std::to_string(total) +
      ", 0, NULL, NULL) ON DUPLICATE KEY UPDATE version = VALUES(version), description = VALUES(description), "
      "applied_at = VALUES(applied_at), applied_by = VALUES(applied_by), execution_time_ms = NULL, success = 0, "
      "error_message = VALUES(error_message), rollback_available = VALUES(rollback_available), "
      "checksum = VALUES(checksum), statements_total = VALUES(statements_total), statements_done = 0, "
      "failed_statement = NULL, error_errno = NULL");
}

Status VersionStore::RecordProgress(int64_t number, size_t statements_done) {
  return conn_->Execute("UPDATE migration_history SET statements_done = " + std::to_string(statements_done) +
                        " WHERE migration_number = " + std::to_string(number));
}

Status VersionStore::RecordFailure(int64_t number, size_t statements_done, const SqlStatement& statement,
                                   const Status& error) {
  return conn_->Execute(
      "UPDATE migration_history SET success = 0, statements_done = " + std::to_string(statements_done) +
      ", failed_statement = " + conn_->Quote(statement.text) + ", error_errno = " + std::to_string(error.db_errno()) +
      ", error_message = " + conn_->Quote(error.message()) + " WHERE migration_number = " + std::to_string(number));
}

// One transaction: the applied record and the version row become visible together, and
// the server syncs its log once for them instead of three times (innodb_flush_log_at_trx_commit=1).
Status VersionStore::RecordApplied(const Migration& m, int64_t execution_ms, const std::string& applied_by) {
  (void)applied_by;
  BAMORT_RETURN_IF_ERROR(conn_->Execute("START TRANSACTION"));
  Status s = conn_->Execute(
      "UPDATE migration_history SET success = 1, error_message = NULL, failed_statement = NULL, error_errno = NULL, "
      "execution_time_ms = " + std::to_string(execution_ms) + ", statements_done = statements_total "
      "WHERE migration_number = " + std::to_string(m.number));
  if (s.ok()) s = EnsureUpstreamMarker();
  if (s.ok()) s = AppendVersionRow(m.version.ToString(), m.number, m.description, &m.checksum);
  if (s.ok()) return conn_->Execute("COMMIT");
  if (!conn_->broken()) conn_->Execute("ROLLBACK");
  return s;
}

// schema_version is an append-only log: the latest row by id is the version in force.
Status VersionStore::AppendVersionRow(const std::string& version, int64_t number, const std::string& description,
                                      const std::string* checksum) {
  return conn_->Execute(
      "INSERT INTO schema_version (version, migration_number, applied_at, backend_version, description, checksum) "
      "VALUES (" + conn_->Quote(version) + ", " + std::to_string(number) + ", " + std::to_string(NowUnix()) + ", " +
      conn_->Quote(kBackendVersion) + ", " + conn_->Quote(description) + ", " +
      (checksum ? conn_->Quote(*checksum) : std::string("NULL")) + ")");
}

Status VersionStore::RecordRolledBack(const Migration& m, const Migration* previous) {
  if (!TrackingTablesExist()) return Status::Ok();  // migration 1's down removed the tables themselves
  BAMORT_RETURN_IF_ERROR(ForgetRecord(m.number));
  return AppendVersionRow(previous ? previous->version.ToString() : "0.0.0", previous ? previous->number : 0,
                          "rollback of migration " + std::to_string(m.number),
                          previous ? &previous->checksum : nullptr);
}

// Upstream's setupcheck inserts its marker row when none exists, after every row we
// wrote, and upstream's systeminfo then reports the marker's version. Written first, the
// marker keeps our row the latest by id and setupcheck finds nothing to insert.
Status VersionStore::EnsureUpstreamMarker() {
  return conn_->Execute(
      "INSERT INTO schema_version (version, migration_number, applied_at, backend_version, description) "
      "SELECT '" + std::string(kUpstreamMarkerVersion) + "', 1, " + std::to_string(NowUnix()) + ", '" +
      kUpstreamMarkerVersion + "', '" + kUpstreamMarkerDescription + "' FROM DUAL WHERE NOT EXISTS "
      "(SELECT 1 FROM schema_version WHERE version = '" + kUpstreamMarkerVersion + "')");
}

std::string UpstreamMarkerCondition() {
  return std::string("version = '") + kUpstreamMarkerVersion + "' AND migration_number = 1 AND description = '" +
         kUpstreamMarkerDescription + "'";
}

bool IsUpstreamMarkerRow(const std::string& version, int64_t migration_number, const std::string& description) {
  return version == kUpstreamMarkerVersion && migration_number == 1 && description == kUpstreamMarkerDescription;
}

Status VersionStore::MarkerIsLatest(bool* out) {
  Value latest_is_marker;
  BAMORT_RETURN_IF_ERROR(conn_->QueryValue(
      "SELECT " + UpstreamMarkerCondition() + " FROM schema_version ORDER BY id DESC LIMIT 1", &latest_is_marker));
  *out = latest_is_marker && *latest_is_marker == "1";
  return Status::Ok();
}

Status VersionStore::RecordCurrentVersionAgain(const Migration& m) {
  return AppendVersionRow(m.version.ToString(), m.number, "version recorded again after upstream's setupcheck marker",
                          &m.checksum);
}

Status VersionStore::MarkAppliedAgain(int64_t number) {
  return conn_->Execute(
      "UPDATE migration_history SET success = 1, error_message = NULL, failed_statement = NULL, error_errno = NULL "
      "WHERE migration_number = " + std::to_string(number));
}

Status VersionStore::MarkFailed(int64_t number, const Status& error) {
  return conn_->Execute("UPDATE migration_history SET success = 0, error_message = " + conn_->Quote(error.message()) +
                        " WHERE migration_number = " + std::to_string(number));
}

Status VersionStore::ForgetRecord(int64_t number) {
  return conn_->Execute("DELETE FROM migration_history WHERE migration_number = " + std::to_string(number));
}

}  // namespace bamort
