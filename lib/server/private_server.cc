#include "server/private_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/client_process.h"
#include "server/throwaway_sync.h"
#include "common/env.h"
#include "common/file_io.h"
#include "db/connection.h"

namespace bamort {

namespace {

constexpr const char* kDirPrefix = "bamort-verify-";
// The redo log the install and the server share: small, the data is thrown away.
constexpr const char* kLogFileSize = "--innodb-log-file-size=32M";

std::string Errno() { return std::strerror(errno); }

// PATH first, then the sbin folders a non-root PATH often lacks.
std::string FindProgram(const std::string& name) {
  std::vector<std::string> dirs;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  for (size_t start = 0; start <= p.size();) {
    size_t colon = p.find(':', start);
    if (colon == std::string::npos) colon = p.size();
    if (colon > start) dirs.push_back(p.substr(start, colon - start));
    start = colon + 1;
  }
  for (const char* d : {"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/libexec"}) dirs.push_back(d);
  for (const std::string& d : dirs) {
    std::string candidate = d + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

void RemoveServerDir(const std::string& dir) {
  Status removed = RemoveTree(dir);
  if (!removed.ok()) spdlog::warn("could not remove the verify server folder {}: {}", dir, removed.message());
}

// Folders of earlier runs whose job is gone (killed): bamort-verify-<pid>-XXXXXX.
void RemoveOrphanedDirs(const std::string& base) {
  std::vector<DirEntry> entries;
  if (!Env::Default()->ListDir(base, &entries).ok()) return;
  for (const DirEntry& e : entries) {
    const std::string& n = e.name;
    if (n.rfind(kDirPrefix, 0) != 0) continue;
    long pid = std::strtol(n.c_str() + std::strlen(kDirPrefix), nullptr, 10);
    if (pid <= 0 || !e.info.is_dir || e.info.owner != ::geteuid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    spdlog::info("removing {} left by a verify that was killed", base + "/" + n);
    RemoveServerDir(base + "/" + n);
  }
}

void KillGroup(pid_t* pid) {
  if (*pid <= 0) return;
  ::kill(-*pid, SIGKILL);
  ::kill(*pid, SIGKILL);
  int st = 0;
  while (::waitpid(*pid, &st, 0) < 0 && errno == EINTR) {
  }
  *pid = -1;
}

}  // namespace

PrivateServer::~PrivateServer() { Stop(); }

std::string PrivateServer::ParentDir(const PrivateServerOptions& options) {
  if (!options.parent_dir.empty()) return options.parent_dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

bool PrivateServer::Available(const PrivateServerOptions& options, std::string* why) {
  for (const char* program : {"mariadbd", "mariadb-install-db"}) {
    if (FindProgram(program).empty()) {
      *why = std::string(program) + " is not installed (Debian: mariadb-server-core)";
      return false;
    }
  }
  std::string base = ParentDir(options);
  if (::access(base.c_str(), W_OK | X_OK) != 0) {
    *why = "the folder for the verify server, " + base + ", is not writable";
    return false;
  }
  // A socket path must fit sockaddr_un.sun_path with the folder name and "/sock".
  if (base.size() + 40 >= sizeof(sockaddr_un::sun_path)) {
    *why = "the folder for the verify server, " + base + ", has too long a path for a Unix socket";
    return false;
  }
  return true;
}

Status PrivateServer::BeginInstall(const PrivateServerOptions& options) {
  BAMORT_RETURN_IF_ERROR(CreateForCopy(options));
  std::vector<std::string> argv = {FindProgram("mariadb-install-db"), "--no-defaults"};
  if (::geteuid() == 0) argv.push_back("--user=root");
  for (const std::string& a :
       {"--datadir=" + dir_ + "/data", std::string("--auth-root-authentication-method=normal"),
        std::string("--skip-test-db"), std::string("--skip-name-resolve"), std::string(kLogFileSize),
        "--innodb-buffer-pool-size=" + options.buffer_pool_size}) {
    argv.push_back(a);
  }
  spdlog::info("verify: initialising a private MariaDB in {}", dir_);
  return SpawnLogged(argv, dir_ + "/install.log", /*own_process_group=*/true, &install_pid_,
                     ThrowawayWritesEnvironment());
}

Status PrivateServer::CreateForCopy(const PrivateServerOptions& options) {
  Stop();
  std::string why;
  if (!Available(options, &why)) return Status::Precondition("cannot start a private verify server: " + why);
  const std::string base = ParentDir(options);
  RemoveOrphanedDirs(base);
  std::string templ = base + "/" + kDirPrefix + std::to_string(::getpid()) + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return Status::Failed("cannot create " + templ + ": " + Errno());
  dir_ = buf.data();
  for (const char* sub : {"/tmp", "/data"}) {
    BAMORT_RETURN_IF_ERROR(Env::Default()->CreateDir(dir_ + sub, 0700));
  }
  mariadbd_ = FindProgram("mariadbd");
  return Status::Ok();
}

Status PrivateServer::WaitForInstall() {
  int st = 0;
  while (::waitpid(install_pid_, &st, 0) < 0) {
    if (errno != EINTR) return Status::Failed("waitpid: " + Errno());
  }
  install_pid_ = -1;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  return Status::Failed("mariadb-install-db failed for the private verify server: " + LogTail(dir_ + "/install.log"),
                        "check free space in " + dir_.substr(0, dir_.rfind('/')) + " (--verify-tmpdir)");
}

Status PrivateServer::Start(const PrivateServerOptions& options) {
  if (dir_.empty()) BAMORT_RETURN_IF_ERROR(BeginInstall(options));
  if (install_pid_ > 0) BAMORT_RETURN_IF_ERROR(WaitForInstall());
  std::vector<std::string> argv = {mariadbd_, "--no-defaults"};
  if (::geteuid() == 0) argv.push_back("--user=root");
  for (const std::string& a :
       {"--datadir=" + dir_ + "/data", "--socket=" + dir_ + "/sock", "--pid-file=" + dir_ + "/mariadbd.pid",
        "--tmpdir=" + dir_ + "/tmp", "--log-error=" + dir_ + "/error.log", std::string("--skip-networking"),
        std::string("--skip-name-resolve"), std::string("--character-set-server=utf8mb4"),
        std::string("--collation-server=utf8mb4_unicode_ci"), "--innodb-buffer-pool-size=" + options.buffer_pool_size,
        std::string(kLogFileSize), std::string("--innodb-flush-log-at-trx-commit=0"),
        std::string("--innodb-doublewrite=0"), std::string("--skip-log-bin"),
        std::string("--event-scheduler=DISABLED"),
        std::string("--performance-schema=OFF"), std::string("--max-allowed-packet=1G")}) {
    argv.push_back(a);
  }
  // Buffered and unsynced (server/throwaway_sync.h): everything it writes is thrown away.
  for (const std::string& a : BufferedDataFileOptions()) argv.push_back(a);
  if (options.skip_grant_tables) argv.push_back("--skip-grant-tables");
  BAMORT_RETURN_IF_ERROR(SpawnLogged(argv, dir_ + "/server.out", /*own_process_group=*/true, &server_pid_,
                                     ThrowawayWritesEnvironment()));
  return WaitUntilReady(options.start_timeout_seconds);
}

Status PrivateServer::WaitUntilReady(int timeout_seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  DbConfig c = config();
  c.connect_timeout_seconds = 2;
  for (;;) {
    int st = 0;
    if (::waitpid(server_pid_, &st, WNOHANG) == server_pid_) {
      server_pid_ = -1;
      return Status::Failed("the private verify server did not start: " + LogTail(dir_ + "/error.log"));
    }
    FileInfo sock;
    if (Env::Default()->Stat(dir_ + "/sock", &sock).ok() && sock.exists) {
      std::unique_ptr<Connection> conn;
      if (Connection::Open(c, &conn, false).ok()) return Status::Ok();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Failed("the private verify server did not answer within " + std::to_string(timeout_seconds) +
                            " s: " + LogTail(dir_ + "/error.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void PrivateServer::Stop() {
  // SIGKILL, not a clean shutdown: the data is thrown away, and a clean InnoDB shutdown
  // would cost seconds.
  KillGroup(&server_pid_);
  KillGroup(&install_pid_);
  if (!dir_.empty()) RemoveServerDir(dir_);
  dir_.clear();
}

DbConfig PrivateServer::config() const {
  DbConfig c;
  c.host = dir_ + "/sock";
  c.port = 0;
  c.user = "root";
  c.connect_timeout_seconds = 10;
  return c;
}

std::string PrivateServer::LogTail(const std::string& file) const {
  std::string text;
  ReadFileToString(file, &text);
  if (text.size() > 1500) text = "..." + text.substr(text.size() - 1500);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "(no output in " + file + ")" : text;
}

}  // namespace bamort
