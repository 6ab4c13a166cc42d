// Running the MariaDB command-line clients (mariadb-dump, mariadb) without ever putting
// the password on a command line.
//
// ClientDefaults owns a private folder (mode 0700, under $TMPDIR) holding a defaults file
// (mode 0600) with the [client] user, password, host and port (or the socket, for a
// host that is a path: the private verify server, private_server.h). Its path goes to the
// client as --defaults-extra-file, which the clients only accept as the FIRST argument.
// The folder and file are removed by the destructor (and on every error path).
//
// ChildProcess runs one program with argv (no shell), its stdin or stdout connected to
// a pipe of ours, and its stderr captured into a file in the private folder, so a
// failing client's message can be reported (after Redact) without a second reader
// thread. Not thread-safe; one owner per object.
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
  // "--defaults-extra-file=/tmp/bamort-client-XXXXXX/my.cnf": the first argument.
  std::string Argument() const { return "--defaults-extra-file=" + file_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string file_;
};

class ChildProcess {
 public:
  enum class PipeTo { kStdin, kStdout };

  ChildProcess() = default;
  ~ChildProcess();  // kills and reaps a child that is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is looked up in PATH. stderr goes to stderr_file (created 0600).
  Status Start(const std::vector<std::string>& argv, PipeTo pipe_to, const std::string& stderr_file);
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
  std::string stderr_file_;
  pid_t pid_ = -1;
  int fd_ = -1;
};

// Writes all of data to fd (handles EINTR and short writes).
Status WriteAll(int fd, const char* data, size_t size, const std::string& what);

}  // namespace bamort
