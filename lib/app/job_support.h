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

// Adds --migrations-dir to a job's flags.
void AddMigrationsDirFlag(JobCli* cli);
Status LoadMigrations(const JobCli& cli, std::vector<Migration>* out);
// LoadDb + Connection::Open; a failed connection keeps its errno and hint.
Status OpenDatabase(JobRun* run, std::unique_ptr<Connection>* out);
// --lock-timeout in seconds: default 60, 0 (try once) to one day. One place for the
// default, so every job that takes the deployment lock waits the same.
Status LockTimeoutSeconds(const JobCli& cli, int64_t* out);
// --ddl-lock-wait SECONDS and --ddl-retries N (db/lock_wait.h), declared here once for every
// job that runs DDL on a live database (migrate, rollback, restore); the reader also puts
// them into the report's inputs.
void AddDdlLockWaitFlags(JobCli* cli);
Status DdlLockWaitFromFlags(const JobCli& cli, JobRun* run, LockWaitOptions* out);
// "bamort-migrate@host pid 123 run R", what migration_history.applied_by records.
std::string AppliedBy(const JobRun& run);

// A report's list of strings (warnings, problems, dropped tables).
Poco::JSON::Array::Ptr StringsJson(const std::vector<std::string>& v);

// Runs a job body and turns any stray exception into a failed report instead of a
// crash without one.
int RunJob(JobRun* run, const std::function<Status()>& body);

}  // namespace bamort
