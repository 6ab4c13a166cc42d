#include "backup/table_stats.h"

#include <atomic>
#include <mutex>
#include <thread>

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

Status ReadTableStatsParallel(const std::vector<Connection*>& conns, const std::string& database, TableStats* out) {
  if (conns.size() < 2) return ReadTableStats(conns.at(0), database, out);
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conns[0]->Query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + conns[0]->Quote(database) +
          " AND TABLE_TYPE = 'BASE TABLE' ORDER BY DATA_LENGTH + INDEX_LENGTH DESC, TABLE_NAME",
      &rs));
  struct Task {
    std::string table;
    bool checksum;
  };
  std::vector<Task> tasks;
  for (size_t i = 0; i < rs.size(); ++i) {
    tasks.push_back({rs.GetString(i, 0), true});
    tasks.push_back({rs.GetString(i, 0), false});
  }
  out->clear();
  for (size_t i = 0; i < rs.size(); ++i) (*out)[rs.GetString(i, 0)] = TableStat{};
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  const std::string db = Connection::QuoteIdentifier(database) + ".";
  std::vector<std::thread> threads;
  for (Connection* conn : conns) {
    threads.emplace_back([&, conn] {
      for (size_t i = next++; i < tasks.size(); i = next++) {
        const Task& t = tasks[i];
        std::string q = db + Connection::QuoteIdentifier(t.table);
        Status s;
        std::string value;
        if (t.checksum) {
          ResultSet sum;
          s = conn->Query("CHECKSUM TABLE " + q, &sum);
          if (s.ok()) value = sum.GetString(0, 1, "NULL");
        } else {
          Value count;
          s = conn->QueryValue("SELECT COUNT(*) FROM " + q, &count);
          if (s.ok()) value = count ? *count : "0";
        }
        std::lock_guard<std::mutex> l(mu);
        if (!s.ok()) {
          if (first_error.ok()) first_error = s;
          next = tasks.size();
          return;
        }
        if (t.checksum) {
          (*out)[t.table].checksum = value;
        } else {
          (*out)[t.table].rows = std::stoull(value);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return first_error;
}

Status ReadTableChecksums(Connection* conn, const std::string& database, const std::vector<std::string>& tables,
                          TableStats* out) {
  out->clear();
  std::string db = Connection::QuoteIdentifier(database) + ".";
  for (const std::string& t : tables) {
    ResultSet sum;
    BAMORT_RETURN_IF_ERROR(conn->Query("CHECKSUM TABLE " + db + Connection::QuoteIdentifier(t), &sum));
    (*out)[t].checksum = sum.GetString(0, 1, "NULL");
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
