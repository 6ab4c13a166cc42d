#include "db/operation_mark.h"

#include <unistd.h>

#include <chrono>

#include "common/clock.h"

namespace bamort {

namespace {

// database "": the connection's current database.
std::string MarkTable(const std::string& database) {
  if (database.empty()) return Connection::QuoteIdentifier(kOperationMarkTable);
  return Connection::QuoteIdentifier(database) + "." + Connection::QuoteIdentifier(kOperationMarkTable);
}

}  // namespace

std::string NotOperationMarkCondition(const std::string& column) {
  return column + " <> '" + kOperationMarkTable + "'";
}

bool IsOperationMarkTable(const std::string& table) { return table == kOperationMarkTable; }

std::string OperationMark::Describe() const {
  if (operation.empty()) return "restore or init that was killed while it wrote its mark";
  std::string what = operation == "restore" ? "restore of " + detail
                     : operation == "init"  ? "initialisation (admin user '" + detail + "')"
                                            : operation + " (" + detail + ")";
  return what + " started " + FormatRfc3339(SystemTime(std::chrono::seconds(started_at))) + " by " + started_by;
}

std::string OperationMark::WayOut() const {
  if (operation == "restore") {
    return "run bamort-restore --backup " + detail + " again (or restore another set); the database holds only "
           "part of the set until a restore finishes";
  }
  if (operation == "init") {
    return "run bamort-init again: it starts over on a database that holds only its own interrupted work";
  }
  return "run the restore (bamort-restore --backup <set>) or bamort-init that was started again to its end";
}

OperationMark NewOperationMark(const std::string& operation, const std::string& detail, const std::string& run_id) {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  OperationMark m;
  m.operation = operation;
  m.detail = detail;
  m.started_at = UnixSeconds(std::chrono::system_clock::now());
  m.started_by = std::string(host[0] ? host : "unknown host") + " pid " + std::to_string(::getpid());
  m.run_id = run_id;
  return m;
}

Status BeginOperationMark(Connection* conn, const std::string& database, const OperationMark& mark) {
  BAMORT_RETURN_IF_ERROR(conn->Execute(
      "CREATE TABLE IF NOT EXISTS " + MarkTable(database) +
      " (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, operation VARCHAR(16) NOT NULL, "
      "detail VARCHAR(1024) NOT NULL, "
      "started_at BIGINT NOT NULL, started_by VARCHAR(255) NOT NULL, run_id VARCHAR(64) NOT NULL) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci "
      "COMMENT='bamort-deploy: a restore or init has not finished (docs/RELIABILITY.md)'"));
  // A plain INSERT (a job started over adds a row; the newest one counts): CREATE and
  // INSERT are what a restore and an init need anyway, REPLACE would need DELETE too.
  return conn->Execute("INSERT INTO " + MarkTable(database) +
                       " (operation, detail, started_at, started_by, run_id) VALUES (" +
                       conn->Quote(mark.operation) + ", " + conn->Quote(mark.detail.substr(0, 1024)) + ", " +
                       std::to_string(mark.started_at) + ", " + conn->Quote(mark.started_by.substr(0, 255)) + ", " +
                       conn->Quote(mark.run_id.substr(0, 64)) + ")");
}

Status EndOperationMark(Connection* conn, const std::string& database) {
  return conn->Execute("DROP TABLE IF EXISTS " + MarkTable(database));
}

Status DropAllButOperationMark(Connection* conn, const std::string& database, std::vector<std::string>* dropped) {
  const std::string qdb = Connection::QuoteIdentifier(database) + ".";
  ResultSet objs;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(database) + " AND " + NotOperationMarkCondition(),
                                     &objs));
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET FOREIGN_KEY_CHECKS = 0"));
  for (size_t i = 0; i < objs.size(); ++i) {
    const std::string name = objs.GetString(i, 0);
    const bool view = objs.GetString(i, 1) == "VIEW";
    BAMORT_RETURN_IF_ERROR(conn->Execute(std::string(view ? "DROP VIEW IF EXISTS " : "DROP TABLE IF EXISTS ") + qdb +
                                         Connection::QuoteIdentifier(name)));
    dropped->push_back(name);
  }
  ResultSet routines;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE "
                                     "ROUTINE_SCHEMA = " + conn->Quote(database), &routines));
  for (size_t i = 0; i < routines.size(); ++i) {
    BAMORT_RETURN_IF_ERROR(conn->Execute("DROP " + routines.GetString(i, 1) + " IF EXISTS " + qdb +
                                         Connection::QuoteIdentifier(routines.GetString(i, 0))));
  }
  ResultSet events;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " +
                                     conn->Quote(database), &events));
  for (size_t i = 0; i < events.size(); ++i) {
    BAMORT_RETURN_IF_ERROR(conn->Execute("DROP EVENT IF EXISTS " + qdb + Connection::QuoteIdentifier(events.GetString(i, 0))));
  }
  return conn->Execute("SET FOREIGN_KEY_CHECKS = 1");
}

Status ReadOperationMark(Connection* conn, const std::string& database, std::optional<OperationMark>* out) {
  out->reset();
  ResultSet rs;
  Status s = conn->Query(
      "SELECT operation, detail, started_at, started_by, run_id FROM " + MarkTable(database) + " ORDER BY id DESC LIMIT 1",
      &rs);
  if (s.db_errno() == dberr::kNoSuchTable) return Status::Ok();
  BAMORT_RETURN_IF_ERROR(s.WithContext("reading " + std::string(kOperationMarkTable)));
  if (rs.size() == 0) {
    // The table without its row: a Begin killed between its two statements. Still a mark.
    *out = OperationMark{"", "", 0, "unknown", ""};
    return Status::Ok();
  }
  OperationMark m;
  m.operation = rs.GetString(0, 0);
  m.detail = rs.GetString(0, 1);
  m.started_at = rs.GetInt64(0, 2);
  m.started_by = rs.GetString(0, 3);
  m.run_id = rs.GetString(0, 4);
  *out = m;
  return Status::Ok();
}

}  // namespace bamort
