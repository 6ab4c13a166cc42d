#include "server/client_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

// An anonymous in-memory file, close-on-exec, mode 0600 (the clients ignore a
// world-writable defaults file, and a memfd starts as 0777).
int MemoryFile(const std::string& name) {
  int fd = ::memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd >= 0 && ::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

constexpr const char* kDefaultsPrefix = "--defaults-extra-file=/proc/self/fd/";

// The descriptor a --defaults-extra-file=/proc/self/fd/N argument names, or -1.
int InheritedDefaultsFd(const std::vector<std::string>& argv) {
  for (const std::string& a : argv) {
    if (a.rfind(kDefaultsPrefix, 0) == 0) return std::atoi(a.c_str() + std::strlen(kDefaultsPrefix));
  }
  return -1;
}

}  // namespace

void DieWithParent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
}

Status SpawnLogged(const std::vector<std::string>& argv, const std::string& log, bool own_process_group, pid_t* out,
                   const std::vector<std::string>& extra_env) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Failed("cannot create " + log + ": " + Errno());
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (std::string& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  // The environment is built before fork: between fork and exec only async-signal-safe calls.
  std::vector<std::string> env_copy;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const std::string& extra : extra_env) {
      replaced = replaced || entry.compare(0, extra.find('=') + 1, extra, 0, extra.find('=') + 1) == 0;
    }
    if (!replaced) env_copy.push_back(entry);
  }
  env_copy.insert(env_copy.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    return Status::Failed("fork: " + Errno());
  }
  if (pid == 0) {
    DieWithParent(parent);
    if (own_process_group) ::setpgid(0, 0);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execvpe(args[0], args.data(), envp.data());
    const char msg[] = "cannot execute the program\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(fd);
  *out = pid;
  return Status::Ok();
}

ClientDefaults::~ClientDefaults() { Remove(); }

Status ClientDefaults::Create(const DbConfig& config) {
  Remove();
  std::string content = "[client]\nuser=" + OptionValue(config.user) + "\npassword=" + OptionValue(config.password) + "\n";
  if (IsSocketHost(config.host)) {
    content += "socket=" + OptionValue(config.host) + "\nprotocol=SOCKET\n";
  } else {
    content += "host=" + OptionValue(config.host) + "\nport=" + std::to_string(config.port) + "\nprotocol=TCP\n";
  }
  fd_ = MemoryFile("bamort-client-defaults");
  if (fd_ < 0) return Status::Failed("cannot create the in-memory client defaults file: " + Errno());
  Status s = WriteAll(fd_, content.data(), content.size(), "the client defaults");
  if (!s.ok()) {
    Remove();
    return s;
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
  return Status::Ok();
}

void ClientDefaults::Remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  path_.clear();
}

ChildProcess::~ChildProcess() {
  ClosePipe();
  if (pid_ > 0) Kill();
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

Status ChildProcess::Start(const std::vector<std::string>& argv, PipeTo pipe_to, const std::string& stderr_name) {
  name_ = argv.at(0);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::Failed("pipe: " + Errno());
  int err = MemoryFile(stderr_name.substr(stderr_name.rfind('/') + 1));
  if (err < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return Status::Failed("cannot capture the stderr of " + name_ + ": " + Errno());
  }
  const int defaults_fd = InheritedDefaultsFd(argv);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    ::close(err);
    return Status::Failed("fork: " + Errno());
  }
  if (pid == 0) {
    DieWithParent(parent);
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
    if (defaults_fd > 2) ::fcntl(defaults_fd, F_SETFD, 0);  // the one descriptor the client reads by path
    ::execvp(args[0], args.data());
    const char msg[] = "cannot execute the client program\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  stderr_fd_ = err;
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
  // The last 2000 bytes of the captured stderr.
  std::string err;
  struct stat st_err {};
  if (stderr_fd_ >= 0 && ::fstat(stderr_fd_, &st_err) == 0 && st_err.st_size > 0) {
    off_t from = st_err.st_size > 2000 ? st_err.st_size - 2000 : 0;
    err.resize(static_cast<size_t>(st_err.st_size - from));
    ssize_t n = ::pread(stderr_fd_, &err[0], err.size(), from);
    err.resize(n > 0 ? static_cast<size_t>(n) : 0);
    if (from > 0) err = "..." + err;
  }
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
