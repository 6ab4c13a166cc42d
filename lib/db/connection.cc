#include "db/connection.h"

#include <mysql.h>
#include <mysqld_error.h>

#include <mutex>

#include "common/secrets.h"

namespace bamort {

namespace {

std::once_flag g_library_init;

bool IsConnectionLoss(unsigned err) {
  return err == dberr::kServerGone || err == dberr::kLostConnection || err == 4031 /* disconnected for inactivity */ ||
         err == 1927 /* connection killed */;
}

bool IsNumericType(int type) {
  switch (type) {
    case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL: case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE: case MYSQL_TYPE_YEAR:
      return true;
    default:
      return false;
  }
}

void ReadColumns(MYSQL_RES* res, std::vector<ColumnInfo>* columns) {
  unsigned n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  columns->clear();
  columns->reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    ColumnInfo c;
    c.name.assign(fields[i].name, fields[i].name_length);
    c.type = fields[i].type;
    c.is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
    c.is_numeric = IsNumericType(fields[i].type);
    c.is_binary = fields[i].charsetnr == 63 && !c.is_numeric;
    columns->push_back(std::move(c));
  }
}

void ReadRow(MYSQL_RES* res, MYSQL_ROW row, size_t ncols, Row* out) {
  unsigned long* lengths = mysql_fetch_lengths(res);
  out->clear();
  out->reserve(ncols);
  for (size_t i = 0; i < ncols; ++i) {
    if (row[i] == nullptr) {
      out->emplace_back(std::nullopt);
    } else {
      out->emplace_back(std::string(row[i], lengths[i]));
    }
  }
}

}  // namespace

std::string SqlForMessage(std::string_view sql) {
  size_t start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  sql.remove_prefix(start);
  std::string s(sql.substr(0, sql.find('\n')));
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return Redact(s);
}

Connection::~Connection() {
  if (handle_) mysql_close(handle_);
}

Status Connection::Open(const DbConfig& config, std::unique_ptr<Connection>* out, bool use_database) {
  std::call_once(g_library_init, [] { mysql_library_init(0, nullptr, nullptr); });
  std::unique_ptr<Connection> conn(new Connection());
  conn->config_ = config;
  conn->handle_ = mysql_init(nullptr);
  if (!conn->handle_) return Status::Failed("out of memory creating a MariaDB handle");
  my_bool no = 0;
  unsigned timeout = config.connect_timeout_seconds;
  unsigned local_infile = 0;
  mysql_options(conn->handle_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(conn->handle_, MYSQL_OPT_RECONNECT, &no);
  mysql_options(conn->handle_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn->handle_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  // TCP even for "localhost": the tool is configured by host and port. The one
  // exception is a host that is an absolute path, a Unix socket: the private server
  // that backup --verify starts itself (server/private_server.h) has no network.
  const bool unix_socket = IsSocketHost(config.host);
  unsigned protocol = unix_socket ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
  mysql_options(conn->handle_, MYSQL_OPT_PROTOCOL, &protocol);
  const char* db = use_database && !config.name.empty() ? config.name.c_str() : nullptr;
  if (!mysql_real_connect(conn->handle_, unix_socket ? "localhost" : config.host.c_str(), config.user.c_str(),
                          config.password.c_str(), db, unix_socket ? 0 : config.port,
                          unix_socket ? config.host.c_str() : nullptr, CLIENT_FOUND_ROWS)) {
    unsigned err = mysql_errno(conn->handle_);
    std::string msg = Redact(mysql_error(conn->handle_));
    std::string hint;
    if (err == dberr::kAccessDenied) {
      hint = "check BAMORT_DB_USER and the password (" +
             (config.password_source.empty() ? std::string("none given") : config.password_source) + ")";
    } else if (err == dberr::kUnknownDatabase) {
      hint = "the database '" + config.name + "' does not exist on the server; check BAMORT_DB_NAME";
    } else if (err == dberr::kCannotConnect || err == dberr::kCannotConnectTcp || err == dberr::kUnknownHost) {
      hint = "is MariaDB running and reachable at " + config.host + ":" + std::to_string(config.port) + "?";
    }
    return Status::DatabaseError(err, "cannot connect to " + config.Describe() + ": " + msg, hint);
  }
  conn->connection_id_ = mysql_thread_id(conn->handle_);
  // Literals must compare the way Bamort's columns do ('Hä' = 'Ha', U+FB00 = "ff"); the
  // client's default utf8mb4 collation (general_ci) does not.
  Status names = conn->Execute("SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci");
  if (!names.ok()) return names.WithContext("setting the connection character set");
  *out = std::move(conn);
  return Status::Ok();
}

Status Connection::ErrorStatus(std::string_view sql) {
  unsigned err = mysql_errno(handle_);
  if (IsConnectionLoss(err)) broken_ = true;
  std::string msg = Redact(mysql_error(handle_));
  std::string where = SqlForMessage(sql);
  return Status::DatabaseError(err, msg + (where.empty() ? "" : " [in: " + where + "]"));
}

Status Connection::Execute(std::string_view sql, uint64_t* affected_rows) {
  if (broken_) return Status::DatabaseError(dberr::kServerGone, "connection to the server was lost earlier");
  if (sent()) return Status::Failed("internal: a statement was sent and its result not read [in: " + sent_sql_ + "]");
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return ErrorStatus(sql);
  return ReadResult(sql, affected_rows);
}

Status Connection::ReadResult(std::string_view sql, uint64_t* affected_rows) {
  MYSQL_RES* res = mysql_store_result(handle_);
  if (res) {
    mysql_free_result(res);
  } else if (mysql_field_count(handle_) != 0) {
    return ErrorStatus(sql);
  }
  if (affected_rows) {
    my_ulonglong n = mysql_affected_rows(handle_);
    *affected_rows = n == static_cast<my_ulonglong>(-1) ? 0 : n;
  }
  // A statement that produced more results (a CALL) would leave the connection unusable.
  while (mysql_more_results(handle_)) {
    if (mysql_next_result(handle_) > 0) return ErrorStatus(sql);
    if (MYSQL_RES* extra = mysql_store_result(handle_)) mysql_free_result(extra);
  }
  return Status::Ok();
}

Status Connection::Send(std::string_view sql) {
  if (broken_) return Status::DatabaseError(dberr::kServerGone, "connection to the server was lost earlier");
  if (sent()) return Status::Failed("internal: a statement was sent and its result not read [in: " + sent_sql_ + "]");
  if (mysql_send_query(handle_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) return ErrorStatus(sql);
  sent_sql_ = SqlForMessage(sql);
  if (sent_sql_.empty()) sent_sql_ = "?";
  return Status::Ok();
}

Status Connection::FinishSent(uint64_t* affected_rows) {
  if (!sent()) return Status::Ok();
  std::string sql = std::move(sent_sql_);
  sent_sql_.clear();
  if (mysql_read_query_result(handle_) != 0) return ErrorStatus(sql);
  return ReadResult(sql, affected_rows);
}

Status Connection::Query(std::string_view sql, ResultSet* out) {
  out->rows.clear();
  return RunQuery(sql, &out->columns, [out](const ResultSet&, const Row& row) {
    out->rows.push_back(row);
    return Status::Ok();
  });
}

Status Connection::QueryEach(std::string_view sql,
                             const std::function<Status(const ResultSet& header, const Row& row)>& on_row) {
  std::vector<ColumnInfo> columns;
  return RunQuery(sql, &columns, on_row);
}

Status Connection::RunQuery(std::string_view sql, std::vector<ColumnInfo>* columns,
                            const std::function<Status(const ResultSet& header, const Row& row)>& on_row) {
  columns->clear();
  if (broken_) return Status::DatabaseError(dberr::kServerGone, "connection to the server was lost earlier");
  if (sent()) return Status::Failed("internal: a statement was sent and its result not read [in: " + sent_sql_ + "]");
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return ErrorStatus(sql);
  MYSQL_RES* res = mysql_use_result(handle_);
  if (!res) {
    if (mysql_field_count(handle_) != 0) return ErrorStatus(sql);
    return Status::Ok();
  }
  ResultSet header;
  ReadColumns(res, &header.columns);
  *columns = header.columns;
  Row row;
  Status status;
  while (MYSQL_ROW r = mysql_fetch_row(res)) {
    if (!status.ok()) continue;  // drain the rest so the connection stays usable
    ReadRow(res, r, header.columns.size(), &row);
    status = on_row(header, row);
  }
  Status fetch_status = mysql_errno(handle_) != 0 ? ErrorStatus(sql) : Status::Ok();
  mysql_free_result(res);
  if (!fetch_status.ok()) return fetch_status;
  return status;
}

Status Connection::QueryValue(std::string_view sql, Value* out) {
  ResultSet rs;
  Status s = Query(sql, &rs);
  if (!s.ok()) return s;
  *out = rs.empty() || rs.columns.empty() ? std::nullopt : rs.rows[0][0];
  return Status::Ok();
}

std::string Connection::Quote(std::string_view text) {
  std::string out;
  out.resize(text.size() * 2 + 3);
  out[0] = '\'';
  unsigned long n = mysql_real_escape_string(handle_, &out[1], text.data(), text.size());
  out.resize(n + 1);
  out.push_back('\'');
  return out;
}

std::string Connection::QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string Connection::server_version() const { return handle_ ? mysql_get_server_info(handle_) : ""; }

}  // namespace bamort
