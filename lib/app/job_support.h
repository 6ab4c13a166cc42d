// What the job functions in app/ share: opening the database named by the config, and
// loading the migrations (embedded, or --migrations-dir).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>

#include "cli/job_cli.h"
#include "db/connection.h"
#include "db/lock_wait.h"
#include "migrate/migration.h"

namespace bamort {

// Flags many jobs share, declared here once (docs/ARCHITECTURE.md, "Adding a flag"); each
// returns the handle the job keeps next to its other flags and reads.
// --migrations-dir DIR: the migrations from DIR instead of the embedded ones.
TextFlag DeclareMigrationsDir(JobCli* cli);
// The migrations of --migrations-dir when given, else the embedded ones (a job without the
// flag passes TextFlag()).
Status LoadMigrations(const TextFlag& migrations_dir, std::vector<Migration>* out);
// --lock-timeout SECONDS: default 60, 0 (try once) to one day, so every job that takes the
// deployment lock waits the same. `when` opens the help ("with --repair-additive: ").
IntFlag DeclareLockTimeout(JobCli* cli, const std::string& when = "");
// --ddl-lock-wait SECONDS and --ddl-retries N (db/lock_wait.h), for every job that runs DDL
// on a live database (migrate, rollback, restore).
struct DdlLockWaitFlags {
  IntFlag wait_seconds;
  IntFlag retries;
  // Both into *out and into the report's inputs.
  Status Read(JobRun* run, LockWaitOptions* out) const;
};
DdlLockWaitFlags DeclareDdlLockWait(JobCli* cli);

// LoadDb + Connection::Open; a failed connection keeps its errno and hint.
Status OpenDatabase(JobRun* run, std::unique_ptr<Connection>* out);
// "bamort-migrate@host pid 123 run R", what migration_history.applied_by records.
std::string AppliedBy(const JobRun& run);

// A report's list of strings (warnings, problems, dropped tables).
Poco::JSON::Array::Ptr StringsJson(const std::vector<std::string>& v);

// Runs a job body and turns any stray exception into a failed report instead of a
// crash without one.
int RunJob(JobRun* run, const std::function<Status()>& body);

}  // namespace bamort
