#include "backup/client_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/file_io.h"
#include "common/secrets.h"
#include "db/connection.h"

namespace bamort {

namespace {

std::string Errno() { return std::strerror(errno); }

// Option files treat a backslash and quotes specially inside a quoted value; escape them.
std::string OptionValue(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

ClientDefaults::~ClientDefaults() { Remove(); }

Status ClientDefaults::Create(const DbConfig& config) {
  Remove();
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/bamort-client-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return Status::Failed("cannot create a private temp folder in " + templ + ": " + Errno());
  dir_ = buf.data();  // mkdtemp makes it 0700
  file_ = dir_ + "/my.cnf";
  std::string content = "[client]\nuser=" + OptionValue(config.user) + "\npassword=" + OptionValue(config.password) + "\n";
  if (IsSocketHost(config.host)) {
    content += "socket=" + OptionValue(config.host) + "\nprotocol=SOCKET\n";
  } else {
    content += "host=" + OptionValue(config.host) + "\nport=" + std::to_string(config.port) + "\nprotocol=TCP\n";
  }
  Status s = WriteFileAtomic(file_, content, 0600);
  if (!s.ok()) {
    Remove();
    return s.WithContext("writing the client defaults file");
  }
  return Status::Ok();
}

void ClientDefaults::Remove() {
  if (dir_.empty()) return;
  // Only files we put there: my.cnf and captured stderr files.
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") ::unlink((dir_ + "/" + n).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir_.c_str());
  dir_.clear();
  file_.clear();
}

ChildProcess::~ChildProcess() {
  ClosePipe();
  if (pid_ > 0) {
    Kill();
  }
}

Status ChildProcess::Start(const std::vector<std::string>& argv, PipeTo pipe_to, const std::string& stderr_file) {
  name_ = argv.at(0);
  stderr_file_ = stderr_file;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::Failed("pipe: " + Errno());
  int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return Status::Failed("cannot create " + stderr_file + ": " + Errno());
  }
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    ::close(err);
    return Status::Failed("fork: " + Errno());
  }
  if (pid == 0) {
    if (pipe_to == PipeTo::kStdin) {
      ::dup2(p[0], 0);
      int out = ::open("/dev/null", O_WRONLY);
      ::dup2(out, 1);
    } else {
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(p[1], 1);
    }
    ::dup2(err, 2);
    ::execvp(args[0], args.data());
    const char msg[] = "cannot execute the client program\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(err);
  pid_ = pid;
  if (pipe_to == PipeTo::kStdin) {
    ::close(p[0]);
    fd_ = p[1];
  } else {
    ::close(p[1]);
    fd_ = p[0];
  }
  return Status::Ok();
}

void ChildProcess::ClosePipe() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Status ChildProcess::Wait() {
  ClosePipe();
  if (pid_ <= 0) return Status::Failed(name_ + " was not running");
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0) {
    if (errno != EINTR) return Status::Failed("waitpid: " + Errno());
  }
  pid_ = -1;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  std::string err;
  ReadFileToString(stderr_file_, &err);
  if (err.size() > 2000) err = "..." + err.substr(err.size() - 2000);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  std::string how = WIFEXITED(st) ? "exited with " + std::to_string(WEXITSTATUS(st))
                                  : "was killed by signal " + std::to_string(WTERMSIG(st));
  return Status::Failed(name_ + " " + how + (err.empty() ? "" : ": " + Redact(err)));
}

Status WriteAll(int fd, const char* data, size_t size, const std::string& what) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Failed("cannot write " + what + ": " + Errno());
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace bamort
