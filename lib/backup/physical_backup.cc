#include "backup/physical_backup.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>

#include <spdlog/spdlog.h>

#include "backup/gzip_file.h"
#include "backup/space_check.h"
#include "backup/table_stats.h"
#include "common/block_queue.h"
#include "common/env.h"
#include "common/joining_thread.h"
#include "common/progress_ticker.h"
#include "common/file_io.h"
#include "db/named_lock.h"
#include "db/privileges.h"
#include "server/throwaway_sync.h"

namespace bamort {

namespace {

constexpr const char* kStreamFile = "physical.mbstream.gz";
constexpr const char* kStreamRole = "physical-stream";
constexpr const char* kManifestFile = "manifest.json";

using Clock = std::chrono::steady_clock;

int64_t Ms(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

uint64_t g_walk_bytes = 0;
int AddFileBytes(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_F) g_walk_bytes += static_cast<uint64_t>(st->st_size);
  return 0;
}

// Bytes of the files under dir (the source's data directory: what the copy will hold).
uint64_t TreeBytes(const std::string& dir) {
  g_walk_bytes = 0;
  ::nftw(dir.c_str(), AddFileBytes, 32, FTW_PHYS);
  return g_walk_bytes;
}

bool LocalHost(const std::string& host) {
  return host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1" || host[0] == '/';
}

// Steps 1-2: the tool, the privileges, the data directory.
Status CheckSource(Connection* conn, const PhysicalBackupOptions& o, PhysicalBackupResult* r) {
  const char* tmp = std::getenv("TMPDIR");
  BAMORT_RETURN_IF_ERROR(FindMariadbBackup(o.mariadb_backup, tmp && *tmp ? tmp : "/tmp", &r->tool));
  BAMORT_RETURN_IF_ERROR(CheckSameVersion(r->tool, conn->server_version(), "the server"));
  PrivilegeCheck privileges;
  BAMORT_RETURN_IF_ERROR(CheckPrivileges(conn, {"RELOAD", "PROCESS", "LOCK TABLES", "BINLOG MONITOR"}, &privileges));
  if (!privileges.missing.empty()) {
    std::string names;
    for (const std::string& p : privileges.missing) names += (names.empty() ? "" : ", ") + p;
    return Status::Precondition("a physical backup needs the global privileges RELOAD, PROCESS, LOCK TABLES and "
                                "BINLOG MONITOR (REPLICATION CLIENT); " + o.config.user + " lacks " + names,
                                "GRANT " + names + " ON *.* TO the backup user, or make a logical backup "
                                "(without --physical)");
  }
  if (!privileges.known) r->warnings.push_back("privileges not checked: " + privileges.why_unknown);
  Value datadir;
  BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT @@datadir", &datadir));
  r->datadir = datadir ? *datadir : "";
  while (r->datadir.size() > 1 && r->datadir.back() == '/') r->datadir.pop_back();
  if ((!LocalHost(o.config.host) && !o.datadir_mounted) || r->datadir.empty() ||
      ::access((r->datadir + "/ibdata1").c_str(), R_OK) != 0) {
    return Status::Precondition("mariadb-backup copies the server's files, and the server's data directory '" +
                                    r->datadir + "' is not readable on this host (server " + o.config.Describe() + ")",
                                "run the physical backup on the database host as a user who can read the data "
                                "directory (root or mysql), in compose mode, or make a logical backup");
  }
  return Status::Ok();
}

// Step 3: the set (compressed) and the private copy (the whole data directory).
Status CheckSpace(const PhysicalBackupOptions& o, const std::string& datadir, uint64_t* datadir_bytes) {
  const uint64_t bytes = TreeBytes(datadir);
  *datadir_bytes = bytes;
  const std::string verify_dir = PrivateServer::ParentDir(o.server);
  return CheckFreeSpace({{o.out_dir, "the physical backup set", bytes / 2 + (16u << 20)},
                         {verify_dir, "the private copy that verifies the set", bytes + bytes / 5 + (64u << 20)}});
}

// Reads up to buf->size() bytes (less only at the end of the stream); 0 at its end.
Status ReadBlock(int fd, std::string* buf, size_t* got) {
  *got = 0;
  while (*got < buf->size()) {
    ssize_t n = ::read(fd, buf->data() + *got, buf->size() - *got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Failed(std::string("reading mariadb-backup's stream: ") + std::strerror(errno));
    if (n == 0) break;
    *got += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// A pipe of 1 MiB instead of 64 KiB: the writer on its other end (mariadb-backup, or this
// process feeding mbstream) is not stopped every 64 KiB by a reader that is busy elsewhere.
void WidenPipe(int fd) { (void)::fcntl(fd, F_SETPIPE_SZ, 1 << 20); }

// Step 5: mariadb-backup's stream, compressed into the set and unpacked for step 6. Three
// things run side by side on the one stream: this thread reads it and compresses it
// (GzipFileWriter's own threads), a feeder thread writes it to mbstream, and mbstream
// writes the files; a queue of 32 MiB between the reader and the feeder keeps either from
// waiting for the other (measured on 1 GB: 7.2 s in one thread, the steps in turn).
Status CopyServer(const PhysicalBackupOptions& o, const std::string& datadir, const std::string& stream_path,
                  const std::string& unpack_dir, const std::string& tmp_dir, PhysicalBackupResult* r,
                  ManifestFile* file) {
  ClientDefaults defaults;
  BAMORT_RETURN_IF_ERROR(defaults.Create(o.config));
  StreamExtractor extractor;
  BAMORT_RETURN_IF_ERROR(extractor.Start(r->tool, unpack_dir, tmp_dir + "/mbstream.err"));
  WidenPipe(extractor.fd());
  GzipFileWriter gz;
  BAMORT_RETURN_IF_ERROR(gz.Open(stream_path, 1));
  ChildProcess backup;
  BAMORT_RETURN_IF_ERROR(backup.Start({r->tool.path, defaults.Argument(), "--backup", "--stream=mbstream",
                                       "--target-dir=" + tmp_dir, "--tmpdir=" + tmp_dir, "--datadir=" + datadir},
                                      ChildProcess::PipeTo::kStdout, tmp_dir + "/mariadb-backup.err"));
  WidenPipe(backup.fd());
  constexpr size_t kBlock = 1 << 20;
  BlockQueue to_unpack(32);
  // The stream is about as long as the data directory: the files plus a little framing.
  ProgressTicker progress([r](uint64_t bytes) {
    spdlog::info("physical backup: {} MB of about {} MB streamed", bytes >> 20, r->datadir_bytes >> 20);
  });
  Status unpacked;
  Status s;
  {
    JoiningThread feeder([&] {
      std::string block;
      while (to_unpack.Pop(&block)) {
        unpacked = extractor.Write(block);
        if (!unpacked.ok()) to_unpack.Abandon();
      }
    });
    // Closed on every path (an exception too), else the feeder waits forever and so does its join.
    struct CloseAtExit {
      BlockQueue* queue;
      ~CloseAtExit() { queue->Close(); }
    } close_at_exit{&to_unpack};
    for (;;) {
      std::string block(kBlock, '\0');
      size_t got = 0;
      s = ReadBlock(backup.fd(), &block, &got);
      if (!s.ok() || got == 0) break;
      block.resize(got);
      progress.Add(got);
      s = gz.Write(block);
      if (s.ok() && !to_unpack.Push(std::move(block))) s = Status::Failed("the feeder of mbstream stopped");
      if (!s.ok()) break;
    }
  }
  if (!unpacked.ok()) s = unpacked;
  if (!s.ok()) {
    backup.Kill();
    return s;
  }
  Status copied = backup.Wait();
  if (!copied.ok()) return copied.WithContext("mariadb-backup --backup");
  BAMORT_RETURN_IF_ERROR(extractor.Finish());
  BAMORT_RETURN_IF_ERROR(gz.Finish(/*sync=*/false));  // synced beside the verification
  *file = {kStreamFile, kStreamRole, gz.sha256(), gz.compressed_bytes(), gz.uncompressed_bytes()};
  r->stream_bytes = gz.uncompressed_bytes();
  return Status::Ok();
}

// A reading of the source: row counts and CHECKSUM TABLE in a consistent snapshot, which
// it ends.
Status ReadSnapshot(Connection* c, const std::string& database, TableStats* out) {
  Status s = ReadTableStats(c, database, out);
  Status end = c->Execute("COMMIT");
  return s.ok() ? end : s;
}

Status OpenSnapshot(const DbConfig& config, std::unique_ptr<Connection>* conn) {
  BAMORT_RETURN_IF_ERROR(Connection::Open(config, conn));
  return (*conn)->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
}

// A reading in a snapshot opened now, on its own connection in the background; *id is that
// connection's id (to stop the reading with KILL QUERY). The future's destructor waits, so
// the thread ends on every path.
Status BeginSourceSnapshot(const DbConfig& config, std::unique_ptr<Connection>* conn, std::string* id,
                           std::future<Status>* done, TableStats* out) {
  BAMORT_RETURN_IF_ERROR(OpenSnapshot(config, conn));
  Value connection_id;
  BAMORT_RETURN_IF_ERROR((*conn)->QueryValue("SELECT CONNECTION_ID()", &connection_id));
  *id = connection_id.value_or("");
  *done = std::async(std::launch::async, [c = conn->get(), db = config.name, out] { return ReadSnapshot(c, db, out); });
  return Status::Ok();
}

Status ReadSourceNow(const DbConfig& config, TableStats* out) {
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenSnapshot(config, &conn));
  return ReadSnapshot(conn.get(), config.name, out);
}

// Fault point (common/env.h; only a test's Env answers it): SQL that conn commits here.
void CommitFaultSql(Env* env, const char* point, Connection* conn) {
  std::optional<std::string> sql = env->FaultPointSql(point);
  if (!sql || sql->empty()) return;
  Status w = conn->Execute(*sql);
  if (!w.ok()) spdlog::warn("test SQL at {} failed: {}", point, w.ToString());
}

// Step 6: prepare the unpacked copy, open it privately, read its tables.
Status OpenCopy(const PhysicalBackupOptions& o, PrivateServer* server, const std::string& log_dir,
                PhysicalBackupResult* r, TableStats* copy) {
  const std::string data = server->dir() + "/data";
  BAMORT_RETURN_IF_ERROR(ReadPhysicalPosition(data, &r->position));
  auto t = Clock::now();
  BAMORT_RETURN_IF_ERROR(PrepareCopy(r->tool, data, log_dir + "/prepare.log", CopyUse::kThrowaway));
  r->prepare_ms = Ms(t);
  t = Clock::now();
  PrivateServerOptions so = o.server;
  so.skip_grant_tables = true;
  Status started = server->Start(so);
  if (!started.ok()) return started.WithContext("the prepared copy does not open");
  r->open_ms = Ms(t);
  t = Clock::now();
  std::unique_ptr<Connection> c1, c2;
  BAMORT_RETURN_IF_ERROR(Connection::Open(server->config(), &c1, false));
  BAMORT_RETURN_IF_ERROR(Connection::Open(server->config(), &c2, false));
  CommitFaultSql(o.env, kFaultTamperPhysicalCopy, c1.get());
  Status read = ReadTableStatsParallel({c1.get(), c2.get()}, o.config.name, copy);
  r->compare_ms = Ms(t);
  if (!read.ok()) return read.WithContext("reading the tables of the prepared copy");
  return Status::Ok();
}

Poco::JSON::Object::Ptr PhysicalJson(const PhysicalBackupResult& r) {
  Poco::JSON::Object::Ptr p = new Poco::JSON::Object(true);
  p->set("tool", r.tool.path);
  p->set("tool_version", r.tool.version);
  p->set("datadir", r.datadir);
  p->set("format", "mbstream");
  p->set("compression", "gzip (igzip level 1, 1 MiB members)");
  p->set("position", r.position.ToJson());
  return p;
}

Poco::JSON::Object::Ptr VerificationJson(const PhysicalBackupResult& r, size_t tables) {
  Poco::JSON::Object::Ptr v = new Poco::JSON::Object(true);
  v->set("method", "private-server");
  v->set("compared", std::string("rows and CHECKSUM TABLE of the prepared copy against the source's consistent "
                                  "snapshot opened ") + (r.source_read_after_copy ? "after" : "before") + " the copy");
  v->set("tables", static_cast<uint64_t>(tables));
  // The private copy's fsync calls were skipped (server/throwaway_sync.h); false when the
  // preload library was not found, which only makes the verification slower.
  v->set("private_copy_unsynced", !NoSyncLibrary().empty());
  v->set("prepare_ms", r.prepare_ms);
  v->set("open_ms", r.open_ms);
  v->set("duration_ms", r.prepare_ms + r.open_ms + r.compare_ms);
  return v;
}

// When the copy differs from the source's reading after the copy: a second reading tells a
// database that is still changing (nothing can be compared; as the logical backup's rule)
// from a copy that differs from a source that stands still.
Status ExplainDifference(const PhysicalBackupOptions& o, const TableStats& source, PhysicalBackupResult* r) {
  TableStats again;
  BAMORT_RETURN_IF_ERROR(ReadSourceNow(o.config, &again).WithContext("reading the source's tables again"));
  r->changed_during_backup = CompareTableStats(source, again);
  if (r->changed_during_backup.empty()) return Status::Ok();
  return Status::Failed("the database changed while the backup ran (" + r->changed_during_backup.front() +
                            "): the copy cannot be compared with the source",
                        "run the backup again when the application is idle (or stopped)");
}

// Step 7: C against the reading beside the copy (A); when they differ (a commit during the
// copy), against a reading after it (S), which is what the copy's point is closest to.
Status CompareWithSource(Connection* conn, const PhysicalBackupOptions& o, const TableStats& before,
                         const TableStats& copy, PhysicalBackupResult* r) {
  r->differences = CompareTableStats(before, copy);
  if (r->differences.empty()) return Status::Ok();
  spdlog::info("physical backup: the copy differs from the source's reading before it ({}); reading the source again",
               r->differences.front());
  CommitFaultSql(o.env, kFaultBeforeSnapshotB, conn);
  r->source_read_after_copy = true;
  TableStats after;
  BAMORT_RETURN_IF_ERROR(ReadSourceNow(o.config, &after).WithContext("reading the source's tables (after the copy)"));
  r->differences = CompareTableStats(after, copy);
  if (r->differences.empty()) return Status::Ok();
  CommitFaultSql(o.env, kFaultBetweenPhysicalReadings, conn);
  return ExplainDifference(o, after, r);
}

// Steps 5-7 inside the partial folder; the caller renames it.
Status CopyAndVerify(Connection* conn, const PhysicalBackupOptions& o, const std::string& partial, bool* keep_partial,
                     PhysicalBackupResult* r) {
  PrivateServer server;
  BAMORT_RETURN_IF_ERROR(server.CreateForCopy(o.server));
  const std::string tmp_dir = server.dir() + "/tmp";
  const std::string stream_path = partial + "/" + kStreamFile;
  // A: the source is read beside the copy, in a snapshot opened just before it. A quiet
  // database (deploy.sh stops the backend first) then needs no reading after the copy.
  TableStats before, copy;
  std::unique_ptr<Connection> before_conn;
  std::string before_id;
  std::future<Status> before_read;
  BAMORT_RETURN_IF_ERROR(BeginSourceSnapshot(o.config, &before_conn, &before_id, &before_read, &before));
  CommitFaultSql(o.env, kFaultDuringPhysicalCopy, conn);  // an application commit during the copy
  auto t = Clock::now();
  spdlog::debug("physical backup: copying; the source's reading beside the copy has begun");
  ManifestFile file;
  Status copied = CopyServer(o, r->datadir, stream_path, server.dir() + "/data", tmp_dir, r, &file);
  if (!copied.ok()) {
    // The reading beside it is of no use now: stop it instead of waiting for its whole pass
    // over the source (best effort: without it the error only comes later).
    if (!before_id.empty()) conn->Execute("KILL QUERY " + before_id).ok();
    return copied;
  }
  r->copy_ms = Ms(t);
  spdlog::info("physical backup: {} MB streamed by mariadb-backup in {} ms", r->stream_bytes >> 20, r->copy_ms);
  // The set's file reaches the disk while the copy is verified.
  std::future<Status> synced = std::async(std::launch::async, [&o, &stream_path] { return o.env->SyncFile(stream_path); });
  Status opened = OpenCopy(o, &server, tmp_dir, r, &copy);
  spdlog::debug("physical backup: the copy opened and read {} ms after the copy", Ms(t) - r->copy_ms);
  Status read = before_read.get();
  spdlog::debug("physical backup: the source's reading beside the copy done {} ms after the copy", Ms(t) - r->copy_ms);
  BAMORT_RETURN_IF_ERROR(opened);
  BAMORT_RETURN_IF_ERROR(read.WithContext("reading the source's tables (beside the copy)"));
  BAMORT_RETURN_IF_ERROR(CompareWithSource(conn, o, before, copy, r));
  r->manifest.files = {file};
  r->manifest.tables = copy;
  r->manifest.physical = PhysicalJson(*r);
  r->manifest.verification = VerificationJson(*r, copy.size());
  r->manifest.verified = r->differences.empty();
  BAMORT_RETURN_IF_ERROR(synced.get().WithContext("writing the set's stream file to disk"));
  spdlog::debug("physical backup: the set's stream file on disk {} ms after the copy", Ms(t) - r->copy_ms);
  if (!r->manifest.verified) {
    *keep_partial = true;
    r->partial_dir = partial;
    o.env->WriteFileAtomic(partial + "/" + kManifestFile, r->manifest.ToJsonText(), 0600);
    return Status::Failed("verification failed: the prepared copy differs from the source (" +
                              r->differences.front() + "), which read the same twice after the copy",
                          "the unverified files are kept in " + partial + " for inspection; retention removes them "
                          "after a day. Check the server log and disk, then run the backup again");
  }
  spdlog::info("physical backup: the prepared copy opens and all {} tables equal the source", copy.size());
  return Status::Ok();
}

}  // namespace

Status CompletePhysicalSet(const std::string& partial, const std::string& set_dir, const std::string& manifest_json,
                           Env* env) {
  BAMORT_RETURN_IF_ERROR(env->WriteFileAtomic(partial + "/" + kManifestFile, manifest_json, 0600));
  BAMORT_RETURN_IF_ERROR(env->SyncDir(partial));
  return env->Rename(partial, set_dir);
}

Status MakePhysicalBackup(Connection* conn, const PhysicalBackupOptions& o, PhysicalBackupResult* r) {
  r->manifest = o.manifest;
  r->manifest.kind = Manifest::kPhysical;
  BAMORT_RETURN_IF_ERROR(CheckSource(conn, o, r));
  BAMORT_RETURN_IF_ERROR(CheckSpace(o, r->datadir, &r->datadir_bytes));
  const std::string base_name = r->manifest.set_name;
  r->set_dir = o.out_dir + "/" + base_name;
  auto taken = [&o](const std::string& set_dir, const std::string& set_name) {
    FileInfo set, partial;
    o.env->Stat(set_dir, &set);
    o.env->Stat(PartialDirFor(o.out_dir, set_name), &partial);
    return set.exists || partial.exists;
  };
  for (int i = 2; taken(r->set_dir, r->manifest.set_name); ++i) {
    r->manifest.set_name = base_name + "-" + std::to_string(i);
    r->set_dir = o.out_dir + "/" + r->manifest.set_name;
  }
  const std::string partial = PartialDirFor(o.out_dir, r->manifest.set_name);
  if (o.dry_run) {
    r->dry_run_lines.push_back("would copy the server (data directory " + r->datadir + ") with " + r->tool.path +
                               " (MariaDB " + r->tool.version + ") into " + r->set_dir);
    r->dry_run_lines.push_back("would prepare the copy and compare its tables in a private MariaDB");
    return Status::Ok();
  }
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.AcquireDeployment(conn, o.lock_timeout_seconds));
  BAMORT_RETURN_IF_ERROR(o.env->CreateDirs(o.out_dir));
  BAMORT_RETURN_IF_ERROR(
      o.env->CreateDir(partial, 0700).WithHint("check that --out-dir is writable and has space"));
  bool keep_partial = false;
  Status s = CopyAndVerify(conn, o, partial, &keep_partial, r);
  if (s.ok()) s = CompletePhysicalSet(partial, r->set_dir, r->manifest.ToJsonText(), o.env);
  if (!s.ok()) {
    if (!keep_partial) DeletePartialDir(partial, o.env);
    return s;
  }
  o.env->SyncDir(o.out_dir);
  lock.Release();
  if (!o.retention) return Status::Ok();
  SetListing listing;
  Status ls = ListBackupSets(o.out_dir, &listing, o.env);
  if (!ls.ok()) {
    r->warnings.push_back("retention skipped: " + ls.message());
    return Status::Ok();
  }
  r->retention = PlanRetention(listing, o.policy, o.config.name, r->set_dir, o.now);
  ApplyRetention(listing, &r->retention, &r->warnings, o.env);
  r->retention_ran = true;
  return Status::Ok();
}

}  // namespace bamort
