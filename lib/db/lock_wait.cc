#include "db/lock_wait.h"

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

namespace bamort {

namespace {

constexpr int kMaxBlockers = 5;

// Columns 0-5 of every query below: id, user, host, time, command, state.
LockHolder HolderAt(const ResultSet& rs, size_t row) {
  LockHolder h;
  h.connection_id = rs.GetUInt64(row, 0);
  h.user = rs.GetString(row, 1, "?");
  h.client_address = rs.GetString(row, 2, "?");
  h.seconds_in_state = rs.GetInt64(row, 3);
  h.state = rs.GetString(row, 4);
  std::string st = rs.GetString(row, 5);
  if (!st.empty()) h.state += " (" + st + ")";
  return h;
}

const char* kProcessColumns = "p.ID, p.USER, p.HOST, p.TIME, p.COMMAND, p.STATE";

Status PluginLoaded(Connection* conn, bool* loaded) {
  Value v;
  BAMORT_RETURN_IF_ERROR(conn->QueryValue(
      "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND "
      "PLUGIN_STATUS = 'ACTIVE'",
      &v));
  *loaded = v && *v != "0";
  return Status::Ok();
}

Status FromMetadataLockInfo(Connection* conn, const std::string& db, std::vector<LockBlocker>* out) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      std::string("SELECT ") + kProcessColumns + ", GROUP_CONCAT(DISTINCT CONCAT(m.LOCK_MODE, ' on `', m.TABLE_NAME, "
      "'`') ORDER BY m.TABLE_NAME SEPARATOR ', ') FROM information_schema.METADATA_LOCK_INFO m JOIN "
      "information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID WHERE m.TABLE_SCHEMA = " + conn->Quote(db) +
      " AND m.THREAD_ID <> CONNECTION_ID() AND m.TABLE_NAME <> '' GROUP BY " + kProcessColumns +
      " ORDER BY p.TIME DESC LIMIT " + std::to_string(kMaxBlockers),
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) out->push_back({HolderAt(rs, i), "holding " + rs.GetString(i, 6)});
  return Status::Ok();
}

Status FromInnodbTrx(Connection* conn, std::vector<LockBlocker>* out) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      std::string("SELECT ") + kProcessColumns + ", TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) FROM "
      "information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
      "WHERE t.trx_mysql_thread_id <> CONNECTION_ID() ORDER BY t.trx_started LIMIT " + std::to_string(kMaxBlockers),
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) {
    out->push_back({HolderAt(rs, i), "in a transaction open for " + rs.GetString(i, 6) + " s"});
  }
  return Status::Ok();
}

// Without PROCESS a user sees only its own connections: those using the database, except
// the ones that wait for a lock themselves.
Status FromProcessList(Connection* conn, const std::string& db, std::vector<LockBlocker>* out) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      std::string("SELECT ") + kProcessColumns + " FROM information_schema.PROCESSLIST p WHERE p.ID <> "
      "CONNECTION_ID() AND p.DB = " + conn->Quote(db) + " AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump') AND "
      "COALESCE(p.STATE, '') NOT LIKE 'Waiting for%lock%' ORDER BY p.TIME DESC LIMIT " +
      std::to_string(kMaxBlockers),
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) out->push_back({HolderAt(rs, i), "using `" + db + "`"});
  return Status::Ok();
}

}  // namespace

std::string LockBlocker::Describe() const { return connection.Describe() + ", " + holds; }

std::string SessionLockWaitAssignments(const LockWaitOptions& options) {
  std::string n = std::to_string(options.wait_seconds < 1 ? 1 : options.wait_seconds);
  return "lock_wait_timeout = " + n + ", innodb_lock_wait_timeout = " + n;
}

Status SetSessionLockWait(Connection* conn, const LockWaitOptions& options) {
  return conn->Execute("SET SESSION " + SessionLockWaitAssignments(options));
}

bool IsLockWaitTimeout(const Status& s) { return !s.ok() && s.db_errno() == dberr::kLockWaitTimeout; }

SessionLockWaitScope::~SessionLockWaitScope() {
  if (conn_ && !conn_->broken() && !conn_->sent()) {
    conn_->Execute("SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT");
  }
}

Status FindLockBlockers(Connection* conn, const std::string& database, std::vector<LockBlocker>* out,
                        std::string* source) {
  out->clear();
  bool plugin = false;
  BAMORT_RETURN_IF_ERROR(PluginLoaded(conn, &plugin));
  if (plugin) {
    *source = "metadata_lock_info";
    return FromMetadataLockInfo(conn, database, out);
  }
  *source = "innodb_trx";
  Status s = FromInnodbTrx(conn, out);
  if (s.ok() && !out->empty()) return s;
  // Access denied without PROCESS (1227), or no transaction is open (LOCK TABLES, a
  // long statement): the connections using the database.
  *source = "processlist";
  return FromProcessList(conn, database, out);
}

std::string DescribeBlockers(const std::vector<LockBlocker>& blockers, const std::string& source) {
  if (blockers.empty()) return "no other connection seen (it may have ended meanwhile)";
  std::string s;
  for (const LockBlocker& b : blockers) s += (s.empty() ? "" : "; ") + b.Describe();
  if (source == "processlist") {
    s += " (the server does not show this user which of them holds the lock; connections of other users are not "
         "listed)";
  }
  return s;
}

namespace {

// The retries of ExecuteBoundedWait and RetryOnLockWait; `changed_nothing` when a timed-out
// attempt is one statement (atomic), so the error can say so.
Status RetryBounded(Connection* conn, const LockWaitOptions& options, const std::string& what, bool changed_nothing,
                    const std::function<Status()>& attempt_once, const std::function<void(const std::string&)>& warn) {
  const std::string db = options.database.empty() ? conn->config().name : options.database;
  const int attempts = 1 + (options.retries < 0 ? 0 : options.retries);
  std::vector<LockBlocker> blockers;
  std::string source;
  Status s;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    s = attempt_once();
    if (!IsLockWaitTimeout(s)) return s;
    Status found = FindLockBlockers(conn, db, &blockers, &source);
    std::string who = found.ok() ? DescribeBlockers(blockers, source) : "unknown (" + found.message() + ")";
    if (attempt == attempts) break;
    const std::string line = what + " waited " + std::to_string(options.wait_seconds) + " s for a lock (attempt " +
                             std::to_string(attempt) + " of " + std::to_string(attempts) +
                             ") and gave way so the application is not queued behind it; blocked by: " + who +
                             ". Trying again in " + std::to_string(options.pause_ms) +
                             " ms (to let it through: finish that transaction, or KILL <id>)";
    if (warn) {
      warn(line);
    } else {
      spdlog::warn("{}", line);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.pause_ms));
  }
  std::string ids;
  for (const LockBlocker& b : blockers) ids += (ids.empty() ? "KILL " : ", KILL ") + std::to_string(b.connection.connection_id);
  return Status::DatabaseError(
      dberr::kLockWaitTimeout,
      "gave up waiting for a lock after " + std::to_string(attempts) + " attempts of " +
          std::to_string(options.wait_seconds) + " s" + (changed_nothing ? " (the statement changed nothing)" : "") +
          ": " + s.message() + "; blocked by: " + DescribeBlockers(blockers, source),
      "a connection holds a lock on the table (usually an application transaction left open). Let it finish, or end "
      "it" + (ids.empty() ? std::string(" (KILL <id>)") : " (" + ids + ")") +
          ", then run the job again; --ddl-lock-wait and --ddl-retries set how long the job waits");
}

}  // namespace

Status ExecuteBoundedWait(Connection* conn, std::string_view sql, const LockWaitOptions& options,
                          uint64_t* affected_rows) {
  return RetryBounded(conn, options, "`" + SqlForMessage(sql) + "`", /*changed_nothing=*/true,
                      [&] { return conn->Execute(sql, affected_rows); }, nullptr);
}

Status RetryOnLockWait(Connection* conn, const LockWaitOptions& options, const std::string& what,
                       const std::function<Status()>& attempt, const std::function<void(const std::string&)>& warn) {
  return RetryBounded(conn, options, what, /*changed_nothing=*/false, attempt, warn);
}

Status LockTablesBoundedWait(Connection* conn, const std::string& database, const std::vector<std::string>& tables,
                             const LockWaitOptions& options, bool* locked) {
  *locked = false;
  if (tables.empty()) return Status::Ok();
  LockWaitOptions o = options;
  o.database = database;
  std::string sql;
  for (const std::string& t : tables) {
    sql += (sql.empty() ? "LOCK TABLES " : ", ") + Connection::QuoteIdentifier(database) + "." +
           Connection::QuoteIdentifier(t) + " WRITE";
  }
  Status s = ExecuteBoundedWait(conn, sql, o);
  constexpr unsigned kDbAccessDenied = 1044, kTableAccessDenied = 1142;
  if (s.db_errno() == kDbAccessDenied || s.db_errno() == kTableAccessDenied) {
    spdlog::warn("no LOCK TABLES privilege on `{}`: each statement waits for its own locks", database);
    return Status::Ok();
  }
  *locked = s.ok();
  return s;
}

Status CheckNothingBlocks(Connection* conn, const std::string& database, const LockWaitOptions& options) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(database) + " AND TABLE_TYPE = 'BASE TABLE'",
                                     &rs));
  std::vector<std::string> tables;
  for (size_t i = 0; i < rs.size(); ++i) tables.push_back(rs.GetString(i, 0));
  bool locked = false;
  BAMORT_RETURN_IF_ERROR(LockTablesBoundedWait(conn, database, tables, options, &locked));
  return locked ? conn->Execute("UNLOCK TABLES") : Status::Ok();
}

}  // namespace bamort
