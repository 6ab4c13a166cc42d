#include "backup/consistent_dump.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/joining_thread.h"
#include "common/measure.h"
#include "backup/dump_stream.h"
#include "db/operation_mark.h"

namespace bamort {

namespace {

Status OpenSnapshot(Connection* conn) {
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET time_zone = '+00:00'"));
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  return conn->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
}

// The readers of snapshots A and B. B waits until OpenB(); the destructor opens B (so a
// reader never waits forever) and joins both threads, on every path.
class SnapshotReaders {
 public:
  SnapshotReaders(const ConsistentDumpOptions& o, const std::vector<std::string>& tables, Connection* a, Connection* b)
      : options_(o), tables_(tables), a_(a), b_(b), start_(std::chrono::steady_clock::now()) {}
  ~SnapshotReaders() { Join(); }

  void Start() {
    thread_a_ = JoiningThread([this] {
      status_a_ = ReadTableChecksums(a_, options_.config.name, tables_, &sums_a_);
      if (status_a_.ok() && options_.content_hashes) {
        status_a_ = ReadContentHashes({a_}, options_.config.name, tables_, &content_a_);
      }
      a_->Execute("COMMIT");
      ms_a_ = MsSince(start_);
    });
    thread_b_ = JoiningThread([this, open = open_b_.get_future()]() mutable {
      open.wait();
      if (!abandon_ && options_.before_snapshot_b) options_.before_snapshot_b();
      if (!abandon_) status_b_ = OpenSnapshot(b_);
      if (!abandon_ && status_b_.ok()) status_b_ = ReadTableChecksums(b_, options_.config.name, tables_, &sums_b_);
      b_->Execute("COMMIT");
      ms_b_ = MsSince(start_);
    });
  }
  void OpenB() {
    if (!b_open_) open_b_.set_value();
    b_open_ = true;
  }
  void Join() {
    if (!b_open_) abandon_ = true;  // the dump never got that far: B has nothing to prove
    OpenB();
    thread_a_.Join();
    thread_b_.Join();
  }

  const ConsistentDumpOptions& options_;
  const std::vector<std::string>& tables_;
  Connection* a_;
  Connection* b_;
  std::chrono::steady_clock::time_point start_;
  std::promise<void> open_b_;
  bool b_open_ = false;
  std::atomic<bool> abandon_{false};
  TableStats sums_a_, sums_b_, content_a_;
  Status status_a_, status_b_;
  int64_t ms_a_ = 0, ms_b_ = 0;
  // Last, so they are joined before anything they write is destroyed (the destructor
  // joins them first anyway).
  JoiningThread thread_a_, thread_b_;
};

}  // namespace

Status DumpConsistently(Connection* conn, const ConsistentDumpOptions& options, ConsistentDumpResult* result) {
  const DbConfig& config = options.config;
  // Under the caller's deployment lock: a restore or init that did not finish leaves a
  // half-loaded database, and a set of it would restore that silently (without the mark).
  std::optional<OperationMark> unfinished;
  BAMORT_RETURN_IF_ERROR(ReadOperationMark(conn, config.name, &unfinished));
  if (unfinished) {
    return Status::Precondition("database " + config.name + " is incomplete: the " + unfinished->Describe() +
                                    ", has not finished; a backup of it would not be a backup of the data",
                                unfinished->WayOut() + ". Nothing was written");
  }
  ExportMeta meta;
  BAMORT_RETURN_IF_ERROR(ReadExportMeta(conn, &meta));
  std::vector<std::string> tables;
  for (const ExportTableMeta& t : meta.tables) tables.push_back(t.name);
  std::unique_ptr<Connection> conn_a, conn_b;
  BAMORT_RETURN_IF_ERROR(Connection::Open(config, &conn_a));
  BAMORT_RETURN_IF_ERROR(Connection::Open(config, &conn_b));
  BAMORT_RETURN_IF_ERROR(OpenSnapshot(conn_a.get()));

  auto t_start = std::chrono::steady_clock::now();
  SnapshotReaders readers(options, tables, conn_a.get(), conn_b.get());
  readers.Start();
  DumpJsonExporter exporter;
  DumpStreamParser parser(&exporter);
  Status status = exporter.Open(options.export_path, config.name, options.created_at, &meta,
                                [](const std::string& t, uint64_t rows) { spdlog::info("dump: {} ({} rows)", t, rows); });
  if (status.ok()) {
    status = DumpSqlToGzip(
        config, options.dump_path,
        [](uint64_t bytes) { spdlog::info("dump: {:.1f} MB of SQL so far", static_cast<double>(bytes) / 1048576.0); },
        [&](std::string_view sql) {
          BAMORT_RETURN_IF_ERROR(parser.Feed(sql));
          if (parser.saw_data()) readers.OpenB();
          return Status::Ok();
        },
        &result->dump);
  }
  readers.OpenB();
  if (status.ok()) status = parser.Finish();
  if (status.ok()) status = exporter.Finish(&result->exported);
  result->dump_ms = MsSince(t_start);
  readers.Join();
  BAMORT_RETURN_IF_ERROR(status);
  BAMORT_RETURN_IF_ERROR(readers.status_a_.WithContext("CHECKSUM TABLE before the dump"));
  BAMORT_RETURN_IF_ERROR(readers.status_b_.WithContext("CHECKSUM TABLE after the dump's snapshot"));
  result->checksums_ms = readers.ms_a_;
  result->checksums_after_ms = readers.ms_b_;

  // Snapshot A (before the dump's) and B (after it) must agree.
  result->changed = CompareTableStats(readers.sums_a_, readers.sums_b_);
  result->tables.clear();
  for (const std::string& t : tables) {
    auto it = parser.rows().find(t);
    if (it == parser.rows().end()) return Status::Failed("the dump holds no data of table " + t);
    result->tables[t] = {it->second, readers.sums_a_[t].checksum, readers.content_a_[t].content_hash};
  }
  return Status::Ok();
}

}  // namespace bamort
