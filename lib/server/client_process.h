// Running the MariaDB command-line clients (mariadb-dump, mariadb) without ever putting
// the password on a command line or into a file that could outlive the job.
//
// ClientDefaults holds the [client] user, password, host and port (or the socket, for a
// host that is a path: the private verify server, private_server.h) in an anonymous
// in-memory file (memfd, mode 0600): nothing in TMPDIR, so not even kill -9 of the job
// leaves the password behind. The client reads it as --defaults-extra-file=/proc/self/fd/N
// (the clients accept that option only as the FIRST argument); ChildProcess keeps exactly
// that descriptor open across exec, every other one of ours is close-on-exec.
//
// ChildProcess runs one program with argv (no shell), its stdin or stdout connected to
// a pipe of ours, and its stderr captured into another in-memory file, so a failing
// client's message can be reported (after Redact) without a second reader thread. The
// child is SIGKILLed when the thread that started it dies (PR_SET_PDEATHSIG), so a killed
// job leaves no client loading or dumping without it: start children from the thread that
// lives as long as the job (every caller does so from the job's main thread). Not
// thread-safe; one owner per object.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "config/db_config.h"

namespace bamort {

class ClientDefaults {
 public:
  ClientDefaults() = default;
  ~ClientDefaults();
  ClientDefaults(const ClientDefaults&) = delete;
  ClientDefaults& operator=(const ClientDefaults&) = delete;

  Status Create(const DbConfig& config);
  void Remove();
  // "--defaults-extra-file=/proc/self/fd/N": the first argument.
  std::string Argument() const { return "--defaults-extra-file=" + path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// In a child between fork and exec: die with SIGKILL when the parent thread dies, and at
// once if the parent (pid `parent`) is already gone (it died before prctl took effect).
void DieWithParent(pid_t parent);

// Starts argv (argv[0] looked up in PATH unless it holds a '/') with stdin from /dev/null
// and stdout and stderr into `log` (created 0600), dying with the calling thread
// (DieWithParent). With own_process_group the child leads a new process group, so killing
// the group also reaches what it starts. extra_env ("NAME=value") is added to the inherited
// environment, replacing a variable of the same name. The caller reaps *out.
Status SpawnLogged(const std::vector<std::string>& argv, const std::string& log, bool own_process_group, pid_t* out,
                   const std::vector<std::string>& extra_env = {});

class ChildProcess {
 public:
  enum class PipeTo { kStdin, kStdout };

  ChildProcess() = default;
  ~ChildProcess();  // kills and reaps a child that is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is looked up in PATH. stderr is captured in memory; stderr_name (its last
  // path component) only labels it.
  Status Start(const std::vector<std::string>& argv, PipeTo pipe_to, const std::string& stderr_name);
  // The parent's end of the pipe: write to it (kStdin) or read from it (kStdout).
  int fd() const { return fd_; }
  // Closes our end of the pipe (the child sees EOF on stdin).
  void ClosePipe();
  // Waits for the child; ok only for exit code 0. The error carries the child's stderr
  // (last 2000 bytes, redacted).
  Status Wait();
  void Kill();
  pid_t pid() const { return pid_; }

 private:
  std::string name_;
  int stderr_fd_ = -1;
  pid_t pid_ = -1;
  int fd_ = -1;
};

// Writes all of data to fd (handles EINTR and short writes).
Status WriteAll(int fd, const char* data, size_t size, const std::string& what);

}  // namespace bamort
