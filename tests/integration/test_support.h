// Shared by the integration tests: a fresh database per test on the throwaway MariaDB
// of scripts/dev-db.sh (settings from BAMORT_DB_*), loading SQL files with the mariadb
// client, running the bamort-* jobs as processes, and comparing schemas and checksums.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include "config/db_config.h"
#include "db/connection.h"
#include "report/step_report.h"

namespace bamort::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The config of the test server (BAMORT_DB_*); fails the test when it is not set.
DbConfig ServerConfig();
std::string SourcePath(const std::string& relative);
std::string BinaryPath(const std::string& job);  // "migrate" -> build/bamort-migrate; "migrate-faults" -> build/faults/...
// The real Bamort data, or "" when ../shared/fixtures is absent (BAMORT_REAL_FIXTURES).
std::string RealFixture(const std::string& name);

// Files of one test: TempPath is a path in the test temp folder, unique to this process
// and call (<tag> in its name), not created; NewTempDir creates such a folder, empty.
std::string TempPath(const std::string& tag);
std::string NewTempDir(const std::string& tag);
// The whole file as it is; "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);
// The names in dir without "." and "..", sorted; none when dir is missing.
std::vector<std::string> DirEntries(const std::string& dir);
// The backup set folders in dir (no leading dot, a readable manifest.json), full paths, sorted.
std::vector<std::string> BackupSetDirs(const std::string& dir);
// A JSON object (a job's --json output); a test failure and an empty object when it is not one.
Poco::JSON::Object::Ptr ParseObject(const std::string& text);
// The step report at path; a test failure when it cannot be read.
StepReport ReadReportOrFail(const std::string& path);

// Runs argv[0] with extra environment variables; stdout/stderr are captured.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

// A process (a server) running in the background during one test. The destructor
// SIGKILLs it if the test did not stop it, so no server outlives the test binary.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Waits until stdout has a complete line containing marker and returns what follows
  // the marker on that line; "" when the process exits first or timeout_ms pass.
  std::string WaitForLine(const std::string& marker, int timeout_ms = 15000);
  // SIGTERM, then waits at most timeout_ms for the exit code (-1 and a test failure if not).
  int Stop(int timeout_ms = 20000);
  // Sends signal and waits for the end: the exit code, 128 + signal when it killed the process.
  int Kill(int signal);
  // Waits for the end without a signal; the exit code.
  int Wait();
  bool running() { return !Reap(false); }
  int exit_code() const { return exit_code_; }  // -1 while running
  pid_t pid() const { return pid_; }
  std::string out() const;
  std::string err() const;

 private:
  bool Reap(bool block);  // true once the process has ended (exit code recorded)

  std::string argv0_, out_path_, err_path_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// A database created for one test and dropped after it.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& prefix);
  ~ScratchDatabase();
  const std::string& name() const { return name_; }
  DbConfig config() const;
  std::unique_ptr<Connection> Connect() const;
  // Loads a SQL file with the mariadb client (as an operator would).
  void LoadSqlFile(const std::string& path) const;
  // Runs bamort-<job> against this database; BAMORT_DB_NAME is set to it.
  ProcessResult Job(const std::string& job, std::vector<std::string> args = {},
                    std::map<std::string, std::string> env = {}) const;
  // The same in the background (BackgroundProcess), for a test that stops or kills it.
  std::unique_ptr<BackgroundProcess> StartJob(const std::string& job, std::vector<std::string> args = {},
                                              std::map<std::string, std::string> env = {}) const;
  // CHECKSUM TABLE of every table, plus the row count, keyed by table name.
  std::map<std::string, std::string> TableChecksums() const;
  // Tables, columns (type, nullability, default, extra), indexes and FKs, one line each.
  std::vector<std::string> SchemaSignature() const;
  int64_t Count(const std::string& sql) const;
  std::string Scalar(const std::string& sql) const;

 private:
  std::string name_;
};

// A login on the test server holding `privileges` (e.g. "ALL PRIVILEGES", the official
// image's grant, or "SELECT, INSERT") on db and nothing else. The destructor drops it and
// removes its password file, also when the test failed halfway.
class DatabaseUser {
 public:
  DatabaseUser(const ScratchDatabase& db, const std::string& privileges);
  ~DatabaseUser();
  DatabaseUser(const DatabaseUser&) = delete;
  DatabaseUser& operator=(const DatabaseUser&) = delete;
  // What a job needs to log in as this user (the password only in a 0600 file).
  std::map<std::string, std::string> env() const;
  const std::string& name() const { return name_; }
  const std::string& password() const { return password_; }

 private:
  std::string name_, password_, password_file_;
};

// A copy of migrations/ in a fresh temp folder, with `extra` added as the last up
// statement of the file whose name starts with prefix ("0012_"): a chain that fails where
// the test wants it to.
std::string SabotagedMigrations(const std::string& prefix, const std::string& extra);

// Lines in a but not in b.
std::vector<std::string> Missing(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace bamort::testing
