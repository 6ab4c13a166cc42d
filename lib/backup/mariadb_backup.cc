#include "backup/mariadb_backup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "server/client_process.h"
#include "server/throwaway_sync.h"
#include "common/file_io.h"
#include "common/secrets.h"

namespace bamort {

namespace {

std::string Errno() { return std::strerror(errno); }

bool Executable(const std::string& p) { return !p.empty() && ::access(p.c_str(), X_OK) == 0; }

std::string OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  p += ":/usr/bin:/usr/local/bin";
  for (size_t start = 0; start <= p.size();) {
    size_t colon = p.find(':', start);
    if (colon == std::string::npos) colon = p.size();
    if (colon > start && Executable(p.substr(start, colon - start) + "/" + name)) {
      return p.substr(start, colon - start) + "/" + name;
    }
    start = colon + 1;
  }
  return "";
}

std::string Tail(const std::string& file, size_t max) {
  std::string text;
  ReadFileToString(file, &text);
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return Redact(text);
}

// "key = value" lines (xtrabackup_checkpoints).
std::string KeyValue(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq);
    while (!k.empty() && k.back() == ' ') k.pop_back();
    if (k != key) continue;
    std::string v = line.substr(eq + 1);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    return v;
  }
  return "";
}

uint64_t ToU64(const std::string& s) { return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 10); }

}  // namespace

std::string VersionNumber(const std::string& version) {
  size_t i = 0;
  int dots = 0;
  while (i < version.size() && (std::isdigit(static_cast<unsigned char>(version[i])) || version[i] == '.')) {
    if (version[i] == '.') ++dots;
    ++i;
  }
  std::string v = version.substr(0, i);
  while (!v.empty() && v.back() == '.') v.pop_back();
  return dots >= 2 ? v : "";
}

Status RunLogged(const std::vector<std::string>& argv, const std::string& log_file, const std::string& what,
                 const std::vector<std::string>& extra_env) {
  pid_t pid = -1;
  BAMORT_RETURN_IF_ERROR(SpawnLogged(argv, log_file, /*own_process_group=*/false, &pid, extra_env));
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return Status::Failed("waitpid: " + Errno());
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  std::string how = WIFEXITED(st) ? "exited with " + std::to_string(WEXITSTATUS(st))
                                  : "was killed by signal " + std::to_string(WTERMSIG(st));
  return Status::Failed(what + " failed (" + argv.at(0) + " " + how + "): " + Tail(log_file, 1500),
                        "the whole output is in " + log_file);
}

Status FindMariadbBackup(const std::string& given, const std::string& log_dir, MariadbBackupTool* out) {
  MariadbBackupTool tool;
  tool.path = given.empty() ? OnPath("mariadb-backup") : given;
  if (!Executable(tool.path)) {
    return Status::Precondition(given.empty() ? "mariadb-backup is not installed on this host"
                                              : "--mariadb-backup " + given + " is not an executable file",
                                "install the mariadb-backup package of the server's version (Debian: apt-get install "
                                "mariadb-backup) or give --mariadb-backup PATH");
  }
  const std::string dir = tool.path.substr(0, tool.path.rfind('/') + 1);
  tool.mbstream = Executable(dir + "mbstream") ? dir + "mbstream" : OnPath("mbstream");
  if (tool.mbstream.empty()) return Status::Precondition("mbstream (part of mariadb-backup) is not installed");
  const std::string log = log_dir + "/mariadb-backup-version.log";
  Status s = RunLogged({tool.path, "--version"}, log, "mariadb-backup --version");
  std::string text;
  ReadFileToString(log, &text);
  Env::Default()->RemoveFile(log);
  if (!s.ok()) return s.WithCode(StatusCode::kPrecondition);
  // "mariadb-backup based on MariaDB server 10.11.19-MariaDB debian-linux-gnu (x86_64)"
  const std::string marker = "based on MariaDB server ";
  size_t at = text.find(marker);
  if (at != std::string::npos) tool.version = VersionNumber(text.substr(at + marker.size()));
  tool.version_line = text.substr(0, text.find('\n'));
  if (tool.version.empty()) {
    return Status::Precondition(tool.path + " --version printed no MariaDB server version: '" + tool.version_line + "'");
  }
  *out = tool;
  return Status::Ok();
}

Status CheckSameVersion(const MariadbBackupTool& tool, const std::string& server_version, const std::string& whose) {
  const std::string server = VersionNumber(server_version);
  if (!server.empty() && server == tool.version) return Status::Ok();
  return Status::Precondition(tool.path + " is of MariaDB " + tool.version + ", " + whose + " is MariaDB " +
                                  server_version + ": a physical copy needs the mariadb-backup of exactly the "
                                  "server's version",
                              "install the mariadb-backup that belongs to the server (the same package version as "
                              "mariadb-server) or give --mariadb-backup PATH; a logical backup works across versions");
}

Status PrepareCopy(const MariadbBackupTool& tool, const std::string& dir, const std::string& log_file, CopyUse use) {
  std::vector<std::string> argv = {tool.path, "--prepare", "--target-dir=" + dir};
  if (use == CopyUse::kDurable) return RunLogged(argv, log_file, "mariadb-backup --prepare");
  // Buffered and unsynced (server/throwaway_sync.h): on 1 GB 0.1-0.2 s instead of 1-2.4 s.
  for (const std::string& a : BufferedDataFileOptions()) argv.push_back(a);
  return RunLogged(argv, log_file, "mariadb-backup --prepare", ThrowawayWritesEnvironment());
}

Poco::JSON::Object::Ptr PhysicalPosition::ToJson() const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("from_lsn", from_lsn);
  o->set("to_lsn", to_lsn);
  o->set("last_lsn", last_lsn);
  o->set("binlog_file", binlog_file.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(binlog_file));
  o->set("binlog_pos", binlog_file.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(binlog_pos));
  o->set("gtid", gtid.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(gtid));
  return o;
}

Status ReadPhysicalPosition(const std::string& dir, PhysicalPosition* out) {
  std::string text;
  Status s = ReadFileToString(dir + "/xtrabackup_checkpoints", &text, 64 << 10);
  if (!s.ok()) return Status::Failed("the copy has no xtrabackup_checkpoints: " + s.message());
  PhysicalPosition p;
  p.from_lsn = ToU64(KeyValue(text, "from_lsn"));
  p.to_lsn = ToU64(KeyValue(text, "to_lsn"));
  p.last_lsn = ToU64(KeyValue(text, "last_lsn"));
  // "<file>\t<position>\t<gtid>", present only when the source writes a binlog.
  std::string binlog;
  if (ReadFileToString(dir + "/mariadb_backup_binlog_info", &binlog, 64 << 10).ok()) {
    std::istringstream in(binlog);
    std::string pos;
    std::getline(in, p.binlog_file, '\t');
    std::getline(in, pos, '\t');
    std::getline(in, p.gtid);
    p.binlog_pos = ToU64(pos);
    while (!p.gtid.empty() && (p.gtid.back() == '\n' || p.gtid.back() == '\r')) p.gtid.pop_back();
  }
  *out = p;
  return Status::Ok();
}

Status StreamExtractor::Start(const MariadbBackupTool& tool, const std::string& dir, const std::string& log_name) {
  return child_.Start({tool.mbstream, "-x", "-C", dir}, ChildProcess::PipeTo::kStdin, log_name);
}

Status StreamExtractor::Write(std::string_view data) {
  return WriteAll(child_.fd(), data.data(), data.size(), "the stream to mbstream");
}

Status StreamExtractor::Finish() {
  Status s = child_.Wait();
  return s.ok() ? s : s.WithContext("unpacking the physical copy");
}

}  // namespace bamort
