// Connection: the only door to MariaDB. Every other unit talks to the database through
// this class, which turns every server or client failure into a Status carrying the
// MariaDB errno, so no job ever sees a raw library error.
//
// Why Connector/C and not Poco::Data for the session (see docs/DECISIONS.md): Poco 1.11
// cannot read LONGTEXT (crash or zero bytes), prepares every string (no multi-statement
// files), hides errno in message text, and its connection string cannot carry a
// password with ';' or surrounding spaces. The text protocol of Connector/C has none
// of these problems and is what every read here uses.
//
// A Connection never reconnects by itself: after the server goes away every call fails
// with errno 2006/2013 and broken() is true. That keeps GET_LOCK locks honest: a lock
// can only be lost together with the connection that held it, never silently.
// Not thread-safe: one thread per Connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/db_config.h"
#include "db/result_set.h"

typedef struct st_mysql MYSQL;

namespace bamort {

// MariaDB error numbers the tool reacts to.
namespace dberr {
constexpr unsigned kAccessDenied = 1045;
constexpr unsigned kUnknownDatabase = 1049;
constexpr unsigned kTableExists = 1050;
constexpr unsigned kNoSuchTable = 1146;
constexpr unsigned kDuplicateEntry = 1062;
constexpr unsigned kUnknownColumn = 1054;
constexpr unsigned kCannotConnect = 2002;
constexpr unsigned kCannotConnectTcp = 2003;
constexpr unsigned kUnknownHost = 2005;
constexpr unsigned kServerGone = 2006;
constexpr unsigned kLostConnection = 2013;
}  // namespace dberr

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects with utf8mb4, no auto-reconnect, no LOCAL INFILE. With use_database false
  // the connection has no default database (for creating or checking one).
  static Status Open(const DbConfig& config, std::unique_ptr<Connection>* out, bool use_database = true);

  // Runs one statement and returns every row (use for small and medium results).
  Status Query(std::string_view sql, ResultSet* out);
  // Runs one statement and hands the rows to on_row one by one without buffering the
  // whole result (use for table exports). on_row may stop the scan by returning !ok.
  Status QueryEach(std::string_view sql, const std::function<Status(const ResultSet& header, const Row& row)>& on_row);
  // Runs one statement that returns no rows (or whose rows are discarded).
  Status Execute(std::string_view sql, uint64_t* affected_rows = nullptr);
  // Sends one statement that returns no rows without waiting for the server: the
  // caller builds its next statement while the server runs this one. FinishSent()
  // waits and gives its Status; nothing but Quote may use the connection in between.
  Status Send(std::string_view sql);
  Status FinishSent(uint64_t* affected_rows = nullptr);
  bool sent() const { return !sent_sql_.empty(); }

  // First column of the first row, or nullopt when there is no row or it is NULL.
  Status QueryValue(std::string_view sql, Value* out);

  // 'text' quoted and escaped for this connection's charset.
  std::string Quote(std::string_view text);
  std::string QuoteValue(const Value& v) { return v ? Quote(*v) : "NULL"; }
  static std::string QuoteIdentifier(std::string_view name);

  bool broken() const { return broken_; }
  uint64_t connection_id() const { return connection_id_; }
  const DbConfig& config() const { return config_; }
  std::string server_version() const;

 private:
  Connection() = default;
  Status ErrorStatus(std::string_view sql);
  Status ReadResult(std::string_view sql, uint64_t* affected_rows);
  Status RunQuery(std::string_view sql, std::vector<ColumnInfo>* columns,
                  const std::function<Status(const ResultSet& header, const Row& row)>& on_row);

  MYSQL* handle_ = nullptr;
  DbConfig config_;
  bool broken_ = false;
  uint64_t connection_id_ = 0;
  std::string sent_sql_;  // for messages: the start of the statement Send() left running
};

// True for a DbConfig host that names a Unix socket (an absolute path) instead of a
// TCP host; only the private verify server is reached that way.
inline bool IsSocketHost(const std::string& host) { return !host.empty() && host[0] == '/'; }

// "SELECT 1" shortened for messages: the first line, at most 200 characters.
std::string SqlForMessage(std::string_view sql);

}  // namespace bamort
