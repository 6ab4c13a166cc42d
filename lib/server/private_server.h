// PrivateServer: a throwaway mariadbd that bamort-backup --verify starts for itself, so
// a dump can be loaded and checked without any privilege on the production server
// (CREATE DATABASE is not among the grants the official image gives) and without the
// load going through production's buffer pool.
//
// The server lives in a fresh folder under options.parent_dir (mode 0700): datadir,
// socket, tmpdir and error log. It is initialised by mariadb-install-db, runs with
// --no-defaults as its first argument (no /etc/mysql config is read), --skip-networking
// (reachable only through its own socket, root without a password, inside that 0700
// folder), a small buffer pool, and no durability (the data is thrown away). It runs as
// the calling user; as root it gets --user=root.
//
// Stop() (and the destructor, on every path) kills the server, waits for it, and
// removes the folder. When the whole job is killed (SIGKILL), the server gets SIGKILL
// too (PR_SET_PDEATHSIG): the owner must be the thread that lives as long as the job
// (the main thread), because the signal follows the thread that forked. A folder left
// behind by a killed job is removed by the next Start() in the same parent_dir.
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"
#include "config/db_config.h"

namespace bamort {

struct PrivateServerOptions {
  std::string parent_dir;  // "" = $TMPDIR or /tmp
  std::string buffer_pool_size = "128M";
  int start_timeout_seconds = 120;
  // For a copy of another server (a physical set): its grant tables hold that server's
  // users, so the private server ignores them (it is reachable only through its socket).
  bool skip_grant_tables = false;
};

class PrivateServer {
 public:
  PrivateServer() = default;
  ~PrivateServer();
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  // Where mariadbd and mariadb-install-db are (PATH, then /usr/sbin, /usr/local/sbin,
  // /usr/libexec); false with the reason when either is missing or parent_dir is not
  // writable. Starts nothing.
  static bool Available(const PrivateServerOptions& options, std::string* why);
  // The folder the server's folder is made in: options.parent_dir, else $TMPDIR, else
  // /tmp. A caller that checks free space for the server asks here, so both use one rule.
  static std::string ParentDir(const PrivateServerOptions& options);

  // Creates the folder and runs mariadb-install-db in the background; returns at once,
  // so the caller can dump meanwhile. Start() finishes the job.
  Status BeginInstall(const PrivateServerOptions& options);
  // The folder without an install: the caller fills dir() + "/data" with a prepared
  // physical copy (physical_backup.h), then Start() runs mariadbd on it.
  Status CreateForCopy(const PrivateServerOptions& options);
  // Waits for the install (starting it if BeginInstall was not called), starts mariadbd
  // and waits until it answers on its socket.
  Status Start(const PrivateServerOptions& options);
  // Kills the server (and a running install), removes the folder. Safe to call twice.
  void Stop();

  // root over the server's socket (see IsSocketHost in db/connection.h).
  DbConfig config() const;
  const std::string& dir() const { return dir_; }
  bool running() const { return server_pid_ > 0; }

 private:
  Status WaitForInstall();
  Status WaitUntilReady(int timeout_seconds);
  std::string LogTail(const std::string& file) const;

  std::string dir_;
  std::string mariadbd_;
  pid_t install_pid_ = -1;
  pid_t server_pid_ = -1;
};

}  // namespace bamort
