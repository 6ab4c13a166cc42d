#include "backup/table_stats.h"

namespace bamort {

Status ListBaseTables(Connection* conn, const std::string& database, std::vector<std::string>* out) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(database) + " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                                     &rs));
  out->clear();
  for (size_t i = 0; i < rs.size(); ++i) out->push_back(rs.GetString(i, 0));
  return Status::Ok();
}

Status ReadTableStats(Connection* conn, const std::string& database, TableStats* out) {
  std::vector<std::string> tables;
  BAMORT_RETURN_IF_ERROR(ListBaseTables(conn, database, &tables));
  out->clear();
  std::string db = Connection::QuoteIdentifier(database) + ".";
  for (const std::string& t : tables) {
    std::string q = db + Connection::QuoteIdentifier(t);
    ResultSet sum;
    Value count;
    BAMORT_RETURN_IF_ERROR(conn->Query("CHECKSUM TABLE " + q, &sum));
    BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT COUNT(*) FROM " + q, &count));
    TableStat st;
    st.checksum = sum.GetString(0, 1, "NULL");
    st.rows = count ? std::stoull(*count) : 0;
    (*out)[t] = st;
  }
  return Status::Ok();
}

std::vector<std::string> CompareTableStats(const TableStats& expected, const TableStats& actual) {
  std::vector<std::string> diffs;
  for (const auto& [name, e] : expected) {
    auto it = actual.find(name);
    if (it == actual.end()) {
      diffs.push_back("table " + name + ": missing");
      continue;
    }
    if (it->second.rows != e.rows) {
      diffs.push_back("table " + name + ": " + std::to_string(it->second.rows) + " rows, expected " +
                      std::to_string(e.rows));
    }
    if (it->second.checksum != e.checksum) {
      diffs.push_back("table " + name + ": CHECKSUM TABLE " + it->second.checksum + ", expected " + e.checksum);
    }
  }
  for (const auto& [name, a] : actual) {
    if (!expected.count(name)) diffs.push_back("table " + name + ": not in the backup");
  }
  return diffs;
}

}  // namespace bamort
