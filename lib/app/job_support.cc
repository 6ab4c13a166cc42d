#include "app/job_support.h"

#include <unistd.h>

#include <exception>

#include <Poco/Exception.h>

#include "migrate/migration_source.h"

namespace bamort {

namespace {

constexpr const char* kMigrationsDirHelp =
    "read the migrations from DIR instead of the ones built into this binary (for testing a new migration)";
constexpr const char* kLockTimeoutHelp = "wait this long for the deployment lock (default 60)";
constexpr int64_t kLockTimeoutDefault = 60, kLockTimeoutMax = 86400;

std::string DdlLockWaitHelp() {
  return "how long one DDL statement waits for a table lock held by another connection before it gives way, "
         "so the application is not queued behind it (default " + std::to_string(LockWaitOptions().wait_seconds) +
         ")";
}

std::string DdlRetriesHelp() {
  return "how often such a statement is tried again, naming the blocking connection, before the job stops "
         "(default " + std::to_string(LockWaitOptions().retries) + ")";
}

}  // namespace

TextFlag DeclareMigrationsDir(JobCli* cli) { return cli->AddText("migrations-dir", "DIR", kMigrationsDirHelp); }

Status LoadMigrations(const TextFlag& migrations_dir, std::vector<Migration>* out) {
  if (auto dir = migrations_dir.value()) return DirectoryMigrationSource(*dir)->Load(out);
  return EmbeddedMigrationSource()->Load(out);
}

IntFlag DeclareLockTimeout(JobCli* cli, const std::string& when) {
  return cli->AddInt("lock-timeout", "SECONDS", when + kLockTimeoutHelp, kLockTimeoutDefault, 0, kLockTimeoutMax);
}

DdlLockWaitFlags DeclareDdlLockWait(JobCli* cli) {
  const LockWaitOptions d;
  DdlLockWaitFlags f;
  f.wait_seconds = cli->AddInt("ddl-lock-wait", "SECONDS", DdlLockWaitHelp(), d.wait_seconds, 1, 86400);
  f.retries = cli->AddInt("ddl-retries", "N", DdlRetriesHelp(), d.retries, 0, 1000);
  return f;
}

Status DdlLockWaitFlags::Read(JobRun* run, LockWaitOptions* out) const {
  BAMORT_RETURN_IF_ERROR(wait_seconds.Read(&out->wait_seconds));
  BAMORT_RETURN_IF_ERROR(retries.Read(&out->retries));
  run->report().inputs->set("ddl_lock_wait_seconds", out->wait_seconds);
  run->report().inputs->set("ddl_retries", out->retries);
  return Status::Ok();
}

Status OpenDatabase(JobRun* run, std::unique_ptr<Connection>* out) {
  DbConfig config;
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&config));
  return Connection::Open(config, out);
}

std::string AppliedBy(const JobRun& run) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string s = "bamort-" + run.report_job() + "@" + host + " pid " + std::to_string(getpid()) + " run " + run.run_id();
  return s.substr(0, 100);
}

int RunJob(JobRun* run, const std::function<Status()>& body) {
  Status started = run->Start();
  if (!started.ok()) return run->Finish(started);
  Status s;
  try {
    s = body();
  } catch (const Poco::Exception& e) {
    s = Status::Failed("unexpected error: " + e.displayText());
  } catch (const std::exception& e) {
    s = Status::Failed(std::string("unexpected error: ") + e.what());
  }
  return run->Finish(s);
}

Poco::JSON::Array::Ptr StringsJson(const std::vector<std::string>& v) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
  for (const std::string& s : v) a->add(s);
  return a;
}

}  // namespace bamort
