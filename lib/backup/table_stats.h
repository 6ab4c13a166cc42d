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
// One line per difference ("table x: rows 3 != 4", "table y: missing"); empty = equal.
std::vector<std::string> CompareTableStats(const TableStats& expected, const TableStats& actual);

}  // namespace bamort
