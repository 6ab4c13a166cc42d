// TableStats: the per-table fingerprint of a database that a backup set records and
// that verification and restore compare against: row count and CHECKSUM TABLE value,
// for every base table (views have no rows of their own and are left out).
//
// CHECKSUM TABLE is the server's own order-independent checksum over the rows; it is
// only comparable on the same server version with the same row format, which is what a
// restore onto the same server (or --verify) gives. Not thread-safe (uses conn).
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

}  // namespace bamort
