#include "backup/table_stats.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>

#include "common/joining_thread.h"
#include "db/operation_mark.h"

namespace bamort {

namespace {

// Runs task(conn, i) for i in [0, count) on one thread per connection; the first error
// stops the others after their current task. Every thread is joined before returning.
Status RunOnConnections(const std::vector<Connection*>& conns, size_t count,
                        const std::function<Status(Connection*, size_t)>& task) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  auto work = [&](Connection* conn) {
    for (size_t i = next++; i < count; i = next++) {
      Status s = task(conn, i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (first_error.ok()) first_error = s;
        next = count;
        return;
      }
    }
  };
  std::vector<JoiningThread> threads;
  for (size_t c = 1; c < conns.size(); ++c) threads.emplace_back([&work, conn = conns[c]] { work(conn); });
  work(conns.at(0));
  for (JoiningThread& t : threads) t.Join();
  return first_error;
}

}  // namespace

Status ListBaseTables(Connection* conn, const std::string& database, std::vector<std::string>* out) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(database) + " AND TABLE_TYPE = 'BASE TABLE' AND " +
                                         NotOperationMarkCondition() + " ORDER BY TABLE_NAME",
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
          " AND TABLE_TYPE = 'BASE TABLE' AND " + NotOperationMarkCondition() +
          " ORDER BY DATA_LENGTH + INDEX_LENGTH DESC, TABLE_NAME",
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
  std::mutex mu;
  const std::string db = Connection::QuoteIdentifier(database) + ".";
  return RunOnConnections(conns, tasks.size(), [&](Connection* conn, size_t i) {
    const Task& t = tasks[i];
    std::string q = db + Connection::QuoteIdentifier(t.table);
    std::string value;
    if (t.checksum) {
      ResultSet sum;
      BAMORT_RETURN_IF_ERROR(conn->Query("CHECKSUM TABLE " + q, &sum));
      value = sum.GetString(0, 1, "NULL");
    } else {
      Value count;
      BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT COUNT(*) FROM " + q, &count));
      value = count ? *count : "0";
    }
    std::lock_guard<std::mutex> l(mu);
    if (t.checksum) {
      (*out)[t.table].checksum = value;
    } else {
      (*out)[t.table].rows = std::stoull(value);
    }
    return Status::Ok();
  });
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

std::string ContentHashSql(const std::string& database, const std::string& table,
                           const std::vector<std::string>& columns) {
  std::string row = "CONCAT(";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) row += ", ";
    row += "IFNULL(MD5(" + Connection::QuoteIdentifier(columns[i]) + "), '-')";
  }
  row += ")";
  if (columns.empty()) row = "''";
  return "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(MD5(" + row + "), 16), 16, 10) AS UNSIGNED)), 0) FROM " +
         Connection::QuoteIdentifier(database) + "." + Connection::QuoteIdentifier(table);
}

Status ReadContentHashes(const std::vector<Connection*>& conns, const std::string& database,
                         const std::vector<std::string>& tables, TableStats* out) {
  // Stored columns of every table, in order; the largest tables first.
  ResultSet cols;
  BAMORT_RETURN_IF_ERROR(conns.at(0)->Query(
      "SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c JOIN information_schema.TABLES t "
      "ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = " +
          conns[0]->Quote(database) + " AND c.IS_GENERATED = 'NEVER' AND " + NotOperationMarkCondition("c.TABLE_NAME") +
          " "
          "ORDER BY t.DATA_LENGTH + t.INDEX_LENGTH DESC, c.TABLE_NAME, c.ORDINAL_POSITION",
      &cols));
  std::vector<std::pair<std::string, std::vector<std::string>>> order;
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string t = cols.GetString(i, 0);
    if (order.empty() || order.back().first != t) order.push_back({t, {}});
    order.back().second.push_back(cols.GetString(i, 1));
  }
  std::vector<const std::pair<std::string, std::vector<std::string>>*> tasks;
  for (const auto& entry : order) {
    if (std::find(tables.begin(), tables.end(), entry.first) != tables.end()) tasks.push_back(&entry);
  }
  for (const std::string& t : tables) (*out)[t].content_hash = "missing";
  std::mutex mu;
  return RunOnConnections(conns, tasks.size(), [&](Connection* conn, size_t i) {
    ResultSet rs;
    BAMORT_RETURN_IF_ERROR(conn->Query(ContentHashSql(database, tasks[i]->first, tasks[i]->second), &rs));
    std::lock_guard<std::mutex> l(mu);
    TableStat& st = (*out)[tasks[i]->first];
    st.rows = std::stoull(rs.GetString(0, 0, "0"));
    st.content_hash = rs.GetString(0, 1, "0");
    return Status::Ok();
  });
}

std::vector<std::string> CompareContentHashes(const TableStats& expected, const TableStats& actual) {
  std::vector<std::string> diffs;
  for (const auto& [name, e] : expected) {
    auto it = actual.find(name);
    if (it == actual.end() || it->second.content_hash == "missing") {
      diffs.push_back("table " + name + ": missing");
      continue;
    }
    if (it->second.rows != e.rows) {
      diffs.push_back("table " + name + ": " + std::to_string(it->second.rows) + " rows, expected " +
                      std::to_string(e.rows));
    } else if (it->second.content_hash != e.content_hash) {
      diffs.push_back("table " + name + ": content differs (content hash " + it->second.content_hash + ", expected " +
                      e.content_hash + ")");
    }
  }
  for (const auto& [name, a] : actual) {
    if (!expected.count(name)) diffs.push_back("table " + name + ": not in the backup");
  }
  return diffs;
}

}  // namespace bamort
