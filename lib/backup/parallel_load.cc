#include "backup/parallel_load.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "backup/dump_statements.h"
#include "backup/gzip_file.h"
#include "common/joining_thread.h"
#include "common/measure.h"
#include "common/text.h"
#include "db/connection.h"

namespace bamort {

namespace {

// "LOCK TABLES `a``b` WRITE;" -> a`b
bool ParseLockTables(std::string_view line, std::string* table) {
  if (!StartsWith(line, "LOCK TABLES `")) return false;
  table->clear();
  for (size_t i = 13; i < line.size(); ++i) {
    if (line[i] != '`') {
      table->push_back(line[i]);
    } else if (i + 1 < line.size() && line[i + 1] == '`') {
      table->push_back('`');
      ++i;
    } else {
      return line.substr(i + 1) == " WRITE;";
    }
  }
  return false;
}

// The INSERT statements of one table, loaded in one transaction by one worker.
struct Chunk {
  std::string table;
  std::vector<std::string> statements;
  size_t bytes = 0;
};

// The connections that load chunks, each on its own thread, fed through a bounded queue.
// The first failure stops all of them; the destructor stops and joins what still runs.
class LoadWorkers {
 public:
  explicit LoadWorkers(size_t max_queued) : max_queued_(max_queued == 0 ? 1 : max_queued) {}
  ~LoadWorkers() {
    Stop(Status::Failed("load abandoned"));
    Join();
  }

  // Opens the connections here (a refused login fails before any thread starts), runs
  // session on each, then starts the threads.
  Status Start(const DbConfig& target, int workers, const std::vector<std::string>& session) {
    for (int i = 0; i < workers; ++i) {
      std::unique_ptr<Connection> conn;
      BAMORT_RETURN_IF_ERROR(Connection::Open(target, &conn).WithContext("opening load connection " + std::to_string(i + 1)));
      for (const std::string& sql : session) BAMORT_RETURN_IF_ERROR(conn->Execute(sql));
      conn->Execute("SET SESSION sql_log_bin = 0").ok();  // only where the user may (else it is logged)
      conns_.push_back(std::move(conn));
    }
    for (auto& conn : conns_) threads_.emplace_back([this, c = conn.get()] { Run(c); });
    return Status::Ok();
  }

  // Waits for room in the queue; false once a worker failed (Finish gives its error).
  bool Push(Chunk chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!stopped_ && queue_.size() >= max_queued_) {
      auto t = std::chrono::steady_clock::now();
      cv_.wait(lock, [&] { return stopped_ || queue_.size() < max_queued_; });
      waited_ms_ += MsSince(t);
    }
    if (stopped_) return false;
    queue_.push_back(std::move(chunk));
    cv_.notify_all();
    return true;
  }

  // No more chunks: waits until the queue is loaded, joins, returns the first error.
  Status Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    Join();
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

  void Stop(const Status& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) {
      stopped_ = true;
      stop_flag_ = true;
      if (error_.ok()) error_ = why;
    }
    cv_.notify_all();
  }

  bool started() const { return !threads_.empty(); }
  int64_t waited_ms() const { return waited_ms_; }  // by Push, for room in the queue

 private:
  void Join() {
    for (JoiningThread& t : threads_) t.Join();
  }

  void Run(Connection* conn) {
    for (;;) {
      Chunk chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopped_ || closing_ || !queue_.empty(); });
        if (stopped_ || queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      cv_.notify_all();
      Status s = LoadChunk(conn, chunk);
      if (!s.ok()) {
        Stop(s.WithContext("table " + Connection::QuoteIdentifier(chunk.table)));
        return;
      }
    }
  }

  Status LoadChunk(Connection* conn, const Chunk& chunk) {
    BAMORT_RETURN_IF_ERROR(conn->Execute("START TRANSACTION"));
    for (const std::string& sql : chunk.statements) {
      if (stop_flag_) return Status::Ok();  // another worker failed; this transaction is left uncommitted
      BAMORT_RETURN_IF_ERROR(conn->Execute(sql));
    }
    return conn->Execute("COMMIT");
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
  bool closing_ = false;
  bool stopped_ = false;
  std::atomic<bool> stop_flag_{false};
  int64_t waited_ms_ = 0;
  Status error_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<JoiningThread> threads_;
};

// Reads the dump line by line on the calling thread: statements run in place or are
// deferred, data lines become chunks for the workers.
class DumpLoader {
 public:
  DumpLoader(const DbConfig& target, const ParallelLoadOptions& o, const std::function<void(uint64_t)>& progress,
             ParallelLoadResult* result)
      : target_(target), o_(o), progress_(progress), result_(result), workers_(o.queued_chunks) {}

  Status Run(const std::string& dump_path) {
    const auto start = std::chrono::steady_clock::now();
    BAMORT_RETURN_IF_ERROR(Connection::Open(target_, &conn_));
    conn_->Execute("SET SESSION sql_log_bin = 0").ok();
    auto last_tick = std::chrono::steady_clock::now();
    Status read = ReadGzipLines(dump_path, [&](std::string_view line) {
      ++line_no_;
      result_->sql_bytes += line.size() + 1;
      auto now = std::chrono::steady_clock::now();
      if (progress_ && now - last_tick >= std::chrono::seconds(5)) {
        last_tick = now;
        progress_(result_->sql_bytes);
      }
      return OnLine(line);
    });
    if (read.ok()) read = table_.empty() ? splitter_.Finish() : Status::Failed("the dump ends inside the data of table " + table_);
    if (!read.ok()) {
      workers_.Stop(read);
      Status w = workers_.Finish();
      return w.ok() ? read : w;  // a worker's failure is what stopped the reading
    }
    BAMORT_RETURN_IF_ERROR(workers_.Finish());
    result_->reader_waited_ms = workers_.waited_ms();
    result_->data_ms = MsSince(start);
    auto t_deferred = std::chrono::steady_clock::now();
    if (deferred_ > 0) {
      for (const DumpStatementSplitter::Statement& st : replay_) {
        BAMORT_RETURN_IF_ERROR(conn_->Execute(st.text).WithContext("dump line " + std::to_string(st.line)));
      }
    }
    result_->deferred_statements = deferred_;
    result_->deferred_ms = MsSince(t_deferred);
    return Status::Ok();
  }

 private:
  Status OnLine(std::string_view line) {
    if (!table_.empty()) return OnDataLine(line);
    std::string name;
    if (splitter_.at_boundary() && ParseLockTables(line, &name)) {
      if (!workers_.started()) BAMORT_RETURN_IF_ERROR(workers_.Start(target_, o_.workers, session_));
      table_ = name;
      chunk_ = Chunk{name, {}, 0};
      ++result_->tables_with_data;
      return Status::Ok();
    }
    statements_.clear();
    BAMORT_RETURN_IF_ERROR(splitter_.AddLine(line, line_no_, &statements_));
    for (DumpStatementSplitter::Statement& st : statements_) BAMORT_RETURN_IF_ERROR(OnStatement(std::move(st)));
    return Status::Ok();
  }

  Status OnStatement(DumpStatementSplitter::Statement st) {
    DumpStatementKind kind = ClassifyDumpStatement(st.text);
    if (kind == DumpStatementKind::kDeferred) {
      ++deferred_;
      replay_.push_back(std::move(st));
      return Status::Ok();
    }
    Status s = conn_->Execute(st.text);
    if (!s.ok()) return s.WithContext("dump line " + std::to_string(st.line));
    if (kind == DumpStatementKind::kSession) {
      if (!past_header_) session_.push_back(st.text);
      replay_.push_back(std::move(st));
    } else {
      past_header_ = true;
    }
    return Status::Ok();
  }

  Status OnDataLine(std::string_view line) {
    if (insert_.empty()) {
      if (line == "UNLOCK TABLES;") {
        BAMORT_RETURN_IF_ERROR(FlushChunk());
        table_.clear();
        return Status::Ok();
      }
      if (line.empty() || StartsWith(line, "/*!40000 ALTER TABLE ")) return Status::Ok();
      if (!StartsWith(line, "INSERT INTO ")) {
        return Status::Failed("dump line " + std::to_string(line_no_) + ": unexpected line in the data of table " +
                              table_ + ": '" + std::string(line.substr(0, 80)) + "'");
      }
    } else {
      insert_.push_back('\n');
    }
    insert_.append(line);
    if (insert_.back() != ';') return Status::Ok();  // one tuple per line: the statement goes on
    insert_.pop_back();
    chunk_.bytes += insert_.size();
    chunk_.statements.push_back(std::move(insert_));
    insert_.clear();
    return chunk_.bytes >= o_.chunk_bytes ? FlushChunk() : Status::Ok();
  }

  Status FlushChunk() {
    if (chunk_.statements.empty()) return Status::Ok();
    ++result_->chunks;
    if (!workers_.Push(std::move(chunk_))) return Status::Failed("a load worker failed");
    chunk_ = Chunk{table_, {}, 0};
    return Status::Ok();
  }

  DbConfig target_;
  const ParallelLoadOptions& o_;
  const std::function<void(uint64_t)>& progress_;
  ParallelLoadResult* result_;
  std::unique_ptr<Connection> conn_;
  DumpStatementSplitter splitter_;
  std::vector<DumpStatementSplitter::Statement> statements_;
  std::vector<std::string> session_;                      // the header's SET statements, for the workers
  std::vector<DumpStatementSplitter::Statement> replay_;  // SETs and deferred statements, in dump order
  bool past_header_ = false;
  uint64_t deferred_ = 0;
  uint64_t line_no_ = 0;
  std::string table_;   // the data section being read, empty outside
  std::string insert_;  // an INSERT not complete yet
  Chunk chunk_;
  LoadWorkers workers_;  // last: destroyed (stopped and joined) first
};

}  // namespace

Status ParallelLoadSqlDump(const DbConfig& config, const std::string& database, const std::string& dump_path,
                           const ParallelLoadOptions& options,
                           const std::function<void(uint64_t sql_bytes)>& progress, ParallelLoadResult* result) {
  DbConfig target = config;
  target.name = database;
  ParallelLoadResult local;
  ParallelLoadResult* r = result ? result : &local;
  *r = ParallelLoadResult{};
  DumpLoader loader(target, options, progress, r);
  return loader.Run(dump_path).WithContext("loading " + dump_path + " into " + database);
}

}  // namespace bamort
