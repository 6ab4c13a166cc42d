#include "backup/physical_restore.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "backup/gzip_file.h"
#include "backup/mariadb_backup.h"
#include "backup/table_stats.h"
#include "common/progress_ticker.h"
#include "db/connection.h"

namespace bamort {

namespace {

constexpr const char* kStreamRole = "physical-stream";
using Clock = std::chrono::steady_clock;

int64_t Ms(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string TmpDir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

std::string Stamp(SystemTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

uid_t g_uid = 0;
gid_t g_gid = 0;
int Chown(const char* path, const struct stat*, int, struct FTW*) {
  return ::lchown(path, g_uid, g_gid) == 0 ? 0 : -1;
}

// The process holding a write lock on file (as mariadbd holds ibdata1), or 0.
pid_t LockHolder(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  pid_t holder = 0;
  if (::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) holder = fl.l_pid;
  ::close(fd);
  return holder;
}

// Step 1: a physical set whose files are all intact.
Status CheckSet(const PhysicalRestoreOptions& o, PhysicalRestoreResult* r) {
  BAMORT_RETURN_IF_ERROR(ReadManifest(o.manifest_path, &r->manifest));
  const Manifest& m = r->manifest;
  if (m.kind != Manifest::kPhysical) {
    return Status::BadInput(o.set_dir + " is a logical backup set, not a physical one",
                            "restore it without --physical (bamort-restore --backup " + o.set_dir + ")");
  }
  if (!m.FindRole(kStreamRole)) return Status::BadInput(o.manifest_path + " lists no physical stream");
  auto t = Clock::now();
  Status files = CheckSetFiles(o.set_dir, m, &r->file_problems);
  r->check_ms = Ms(t);
  return files;
}

// Step 3: nothing may run on the data directory.
Status CheckStopped(const PhysicalRestoreOptions& o) {
  DbConfig probe = o.config;
  probe.connect_timeout_seconds = 3;
  std::unique_ptr<Connection> conn;
  if (Connection::Open(probe, &conn, false).ok()) {
    return Status::Precondition("the database server at " + o.config.Describe() + " is running: a physical "
                                "restore replaces its data directory and needs it stopped",
                                "stop it (systemctl stop mariadb, or stop the database container), then run the "
                                "restore again");
  }
  for (const char* f : {"/ibdata1", "/aria_log_control"}) {
    if (pid_t pid = LockHolder(o.datadir + f)) {
      return Status::Precondition(o.datadir + f + " is locked by process " + std::to_string(pid) +
                                      ": a server still runs on " + o.datadir,
                                  "stop that server first");
    }
  }
  return Status::Ok();
}

// Step 4: unpack and prepare beside the data directory, owned like it.
Status Unpack(const PhysicalRestoreOptions& o, const MariadbBackupTool& tool, PhysicalRestoreResult* r) {
  BAMORT_RETURN_IF_ERROR(
      o.env->CreateDir(r->work_dir, 0700).WithHint("the folder that holds the data directory must be writable"));
  auto t = Clock::now();
  StreamExtractor extractor;
  BAMORT_RETURN_IF_ERROR(extractor.Start(tool, r->work_dir, TmpDir() + "/mbstream.err"));
  const ManifestFile* stream = r->manifest.FindRole(kStreamRole);
  ProgressTicker progress([stream](uint64_t bytes) {
    spdlog::info("restore: {} MB of {} MB unpacked", bytes >> 20, stream->uncompressed_size >> 20);
  });
  Status read = ReadGzipFile(o.set_dir + "/" + stream->name, [&](std::string_view piece) {
    progress.Add(piece.size());
    return extractor.Write(piece);
  });
  Status done = extractor.Finish();
  BAMORT_RETURN_IF_ERROR(read);
  BAMORT_RETURN_IF_ERROR(done);
  r->unpack_ms = Ms(t);
  t = Clock::now();
  const std::string prepare_log = TmpDir() + "/bamort-restore-prepare-" + std::to_string(::getpid()) + ".log";
  BAMORT_RETURN_IF_ERROR(PrepareCopy(tool, r->work_dir, prepare_log, CopyUse::kDurable));
  o.env->RemoveFile(prepare_log);  // kept only when the prepare failed (its error names it)
  r->prepare_ms = Ms(t);
  struct stat st {};
  if (::stat(o.datadir.c_str(), &st) != 0) return Status::Failed("cannot stat " + o.datadir + ": " + std::strerror(errno));
  r->owner = st.st_uid;
  r->group = st.st_gid;
  g_uid = st.st_uid;
  g_gid = st.st_gid;
  if (::nftw(r->work_dir.c_str(), Chown, 32, FTW_PHYS) != 0) {
    return Status::Failed("cannot give " + r->work_dir + " the owner of " + o.datadir + ": " + std::strerror(errno),
                          "run the restore as root");
  }
  ::chmod(r->work_dir.c_str(), st.st_mode & 07777);
  return Status::Ok();
}

// Step 6: start, wait, compare.
Status StartAndCompare(const PhysicalRestoreOptions& o, PhysicalRestoreResult* r) {
  auto t = Clock::now();
  const std::string log = TmpDir() + "/bamort-restore-start-" + std::to_string(::getpid()) + ".log";
  BAMORT_RETURN_IF_ERROR(RunLogged({"/bin/sh", "-c", o.start_command}, log, "--start-command"));
  o.env->RemoveFile(log);  // kept only when the command failed (its error names it)
  std::unique_ptr<Connection> conn;
  DbConfig c = o.config;
  c.connect_timeout_seconds = 2;
  const auto deadline = Clock::now() + std::chrono::seconds(o.start_timeout_seconds);
  Status open;
  while (!(open = Connection::Open(c, &conn, false)).ok()) {
    if (Clock::now() > deadline) {
      return open.WithContext("the restored server did not answer within " + std::to_string(o.start_timeout_seconds) +
                              " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  r->start_ms = Ms(t);
  t = Clock::now();
  BAMORT_RETURN_IF_ERROR(ReadTableStats(conn.get(), r->manifest.db_name, &r->restored));
  r->compare_ms = Ms(t);
  r->differences = CompareTableStats(r->manifest.tables, r->restored);
  if (!r->differences.empty()) {
    return Status::Failed("the restored database " + r->manifest.db_name + " differs from the manifest: " +
                          r->differences.front());
  }
  return Status::Ok();
}

}  // namespace

Status SwapDataDir(const std::string& datadir, const std::string& old_datadir, const std::string& work_dir,
                   Env* env) {
  Status aside = env->Rename(datadir, old_datadir);
  if (!aside.ok()) {
    return aside.WithContext("cannot move " + datadir + " aside")
        .WithHint("a data directory that is a mount point cannot be renamed; restore into its parent");
  }
  Status in_place = env->Rename(work_dir, datadir);
  if (in_place.ok()) return Status::Ok();
  Status back = env->Rename(old_datadir, datadir);
  Status failed = in_place.WithContext("cannot move the restored copy into place");
  if (back.ok()) return failed;
  // The server would find no data directory: say where it is.
  return failed.WithHint("moving the data directory back failed too (" + back.message() + "): it is in " +
                         old_datadir + "; mv " + old_datadir + " " + datadir + " before the server starts");
}

Status RestorePhysical(const PhysicalRestoreOptions& o, PhysicalRestoreResult* r) {
  BAMORT_RETURN_IF_ERROR(CheckSet(o, r));
  MariadbBackupTool tool;
  BAMORT_RETURN_IF_ERROR(FindMariadbBackup(o.mariadb_backup, TmpDir(), &tool));
  const std::string made_with = r->manifest.physical->optValue<std::string>("tool_version", "");
  BAMORT_RETURN_IF_ERROR(CheckSameVersion(tool, made_with, "the set was made with mariadb-backup of"));
  if (o.check_only) return Status::Ok();
  FileInfo datadir;
  if (!o.env->Stat(o.datadir, &datadir).ok() || !datadir.is_dir) {
    return Status::BadInput("--datadir " + o.datadir + " is not a folder");
  }
  BAMORT_RETURN_IF_ERROR(CheckStopped(o));
  const std::string stamp = Stamp(o.now);
  const size_t slash = o.datadir.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : o.datadir.substr(0, slash);
  const std::string base = o.datadir.substr(slash + 1);
  r->work_dir = parent + "/." + base + ".restore-" + stamp;
  r->old_datadir = o.datadir + ".before-restore-" + stamp;
  if (o.dry_run) {
    r->dry_run_lines = {"would unpack and prepare " + o.set_dir + " in " + r->work_dir,
                        "would move " + o.datadir + " aside to " + r->old_datadir + " and put the copy in its place",
                        "would run: " + o.start_command, "would compare " + r->manifest.db_name + " with the manifest"};
    return Status::Ok();
  }
  Status s = Unpack(o, tool, r);
  if (!s.ok()) {
    // Only our own folder exists so far: remove it, the data directory was not touched.
    Status removed = RemoveTree(r->work_dir, o.env);
    if (!removed.ok()) spdlog::warn("restore: could not remove {}: {}", r->work_dir, removed.message());
    return s;
  }
  BAMORT_RETURN_IF_ERROR(SwapDataDir(o.datadir, r->old_datadir, r->work_dir, o.env));
  r->files_moved = true;
  spdlog::info("restore: {} moved aside to {}, the set's files are in place; starting the server", o.datadir,
               r->old_datadir);
  s = StartAndCompare(o, r);
  if (!s.ok()) {
    return s.WithCode(StatusCode::kDirty)
        .WithHint("the previous data directory is untouched in " + r->old_datadir + ". To go back: stop the server, "
                  "mv " + o.datadir + " " + o.datadir + ".failed-restore-" + stamp + "; mv " + r->old_datadir + " " +
                  o.datadir + "; start the server");
  }
  return Status::Ok();
}

}  // namespace bamort
