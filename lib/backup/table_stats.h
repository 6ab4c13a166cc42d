// TableStats: the per-table fingerprint of a database that a backup set records and
// that verification and restore compare against: row count and CHECKSUM TABLE value,
// for every base table (views have no rows of their own and are left out).
//
// CHECKSUM TABLE is the server's own order-independent checksum over the rows; it is
// only comparable on the same server version with the same row format, which is what a
// restore onto the same server gives. The content hash is comparable across versions:
// the same SELECT, run on both servers, over the values of every stored column (see
// ContentHashSql); backup --verify compares it, because it verifies on a private server
// that may run another MariaDB version than production (docs/DECISIONS.md).
// Not thread-safe (uses conn).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct TableStat {
  uint64_t rows = 0;
  std::string checksum;  // decimal text as the server returns it; "NULL" if it had none
  std::string content_hash;  // ReadContentHashes; "" when not taken (not part of ==)
  bool operator==(const TableStat& o) const { return rows == o.rows && checksum == o.checksum; }
  bool operator!=(const TableStat& o) const { return !(*this == o); }
};

using TableStats = std::map<std::string, TableStat>;

// Base tables of the connection's current database, sorted by name.
Status ListBaseTables(Connection* conn, const std::string& database, std::vector<std::string>* out);
// Row counts and CHECKSUM TABLE of every base table of database.
Status ReadTableStats(Connection* conn, const std::string& database, TableStats* out);
// The same, spread over the given connections (one thread each; the largest tables
// first), for the check after a restore: the server works on two tables (or a table's
// count and checksum) at once.
Status ReadTableStatsParallel(const std::vector<Connection*>& conns, const std::string& database, TableStats* out);
// CHECKSUM TABLE of the given tables (rows left 0). Inside a transaction started WITH
// CONSISTENT SNAPSHOT, CHECKSUM TABLE of an InnoDB table reads that snapshot (MVCC, as a
// SELECT does) and does not end the transaction: what the backup relies on.
Status ReadTableChecksums(Connection* conn, const std::string& database, const std::vector<std::string>& tables,
                          TableStats* out);
// One line per difference ("table x: rows 3 != 4", "table y: missing"); empty = equal.
std::vector<std::string> CompareTableStats(const TableStats& expected, const TableStats& actual);

// The content hash of one table: a SELECT returning COUNT(*) and the sum, as a DECIMAL,
// of the first 64 bits of MD5 over each row, where a row is the concatenation of
// MD5(value) (or '-' for NULL) of every stored column in ordinal order. Generated
// columns are left out (the server computes them again on load). Order-independent, a
// repeated row counts twice, and no value is ever concatenated whole, so a row larger
// than max_allowed_packet still hashes. columns: the table's stored columns in order.
std::string ContentHashSql(const std::string& database, const std::string& table,
                           const std::vector<std::string>& columns);
// Rows and content hash of the given tables (checksums left alone). Run it inside the
// snapshot the rows are to come from, with time_zone '+00:00' (TIMESTAMP values are
// hashed as text). conns: one thread per connection, the largest tables first.
Status ReadContentHashes(const std::vector<Connection*>& conns, const std::string& database,
                         const std::vector<std::string>& tables, TableStats* out);
// As CompareTableStats, for rows and content hash ("table x: content differs").
std::vector<std::string> CompareContentHashes(const TableStats& expected, const TableStats& actual);

}  // namespace bamort
