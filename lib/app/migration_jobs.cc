#include "app/migration_jobs.h"

#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "app/masterdata_jobs.h"
#include "backup/backup_gate.h"
#include "migrate/version_status.h"
#include "migrate/migrator.h"
#include "migrate/rehearsal.h"

namespace bamort {

namespace {

void FillDatabaseVersions(const MigrateResult& r, JobRun* run) {
  auto& db = run->report().database;
  db.version_before = r.version_before;
  db.version_after = r.version_after;
  db.migration_number_before = r.number_before;
  db.migration_number_after = r.number_after;
}

Poco::JSON::Array::Ptr StepsJson(const std::vector<MigrationStep>& steps) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
  for (const MigrationStep& s : steps) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
    o->set("number", s.number);
    o->set("file", s.name);
    o->set("version", s.version);
    o->set("description", s.description);
    o->set("statements", static_cast<uint64_t>(s.statements));
    o->set("duration_ms", s.duration_ms);
    a->add(o);
  }
  return a;
}

void FillMigrateDetails(const MigrateResult& r, const std::string& key, JobRun* run) {
  auto& d = run->report().details;
  d->set("layout_before", r.layout_before);
  d->set(key, StepsJson(r.steps));
  d->set("lock_taken", r.lock_taken);
  Poco::JSON::Array::Ptr drift = new Poco::JSON::Array();
  for (const std::string& s : r.checksum_drift) drift->add(s);
  d->set("checksum_drift", drift);
  if (r.dirty) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
    o->set("migration_number", r.dirty->number);
    o->set("description", r.dirty->description);
    o->set("statements_done", r.dirty->statements_done.value_or(0));
    o->set("statements_total", r.dirty->statements_total.value_or(0));
    o->set("failed_statement", r.dirty->failed_statement.value_or(""));
    o->set("error_errno", r.dirty->error_errno.value_or(0));
    o->set("error_message", r.dirty->error_message.value_or(""));
    d->set("dirty", o);
  } else {
    d->set("dirty", Poco::Dynamic::Var());
  }
  Poco::JSON::Array::Ptr checks = new Poco::JSON::Array();
  for (const SchemaProof& p : r.schema_checks) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
    o->set("version", p.version);
    o->set("migration_number", p.migration_number);
    o->set("ok", p.ok());
    Poco::JSON::Array::Ptr differences = new Poco::JSON::Array();
    for (const SchemaFinding& f : p.failing) differences->add(f.Describe());
    o->set("differences", differences);
    o->set("leftovers", static_cast<uint64_t>(p.warnings.size()));
    checks->add(o);
  }
  d->set("schema_checks", checks);
  d->set("version_recorded_again", r.version_recorded_again);
  Poco::JSON::Array::Ptr problems = new Poco::JSON::Array();
  for (const std::string& p : r.preflight_problems) problems->add(p);
  d->set("preflight_problems", problems);
  for (const std::string& s : r.checksum_drift) run->Warn("checksum drift: " + s);
}

Status ParseOptionalVersion(const TextFlag& flag, std::optional<SemVer>* out) {
  if (auto v = flag.value()) {
    SemVer parsed;
    BAMORT_RETURN_IF_ERROR(SemVer::Parse(*v, &parsed).WithContext("--" + flag.name()));
    *out = parsed;
  }
  return Status::Ok();
}

// What a backup report says about its set (outputs.backup_set, details.created_at and
// details.files), for the gate that checks the set itself (backup/backup_gate.h).
ClaimedBackupSet ClaimOf(const std::string& path, const StepReport& r) {
  ClaimedBackupSet c;
  c.report = path;
  c.run_id = r.run_id;
  c.db_host = r.database.host;
  c.db_name = r.database.name;
  try {
    if (r.outputs->has("backup_set") && r.outputs->get("backup_set").isString()) {
      c.set_dir = r.outputs->getValue<std::string>("backup_set");
    }
    SystemTime t;
    if (r.details->has("created_at") && r.details->get("created_at").isString() &&
        ParseRfc3339(r.details->getValue<std::string>("created_at"), &t)) {
      c.created_at = t;
    }
    if (Poco::JSON::Array::Ptr files = r.details->getArray("files")) {
      for (size_t i = 0; i < files->size(); ++i) {
        Poco::JSON::Object::Ptr f = files->getObject(static_cast<unsigned>(i));
        if (!f) continue;
        c.files.push_back({f->optValue<std::string>("name", ""), f->optValue<std::string>("role", ""),
                           f->optValue<std::string>("sha256", ""), f->optValue<uint64_t>("size", 0), 0});
      }
    }
  } catch (const Poco::Exception&) {
    // A field of the wrong type: the claim stays incomplete and the gate refuses it.
  }
  return c;
}

RequiredBackupFlags DeclareRequiredBackup(JobCli* cli, const std::string& report_help) {
  RequiredBackupFlags f;
  f.report = cli->AddText("require-backup", "REPORT", report_help);
  f.max_age = cli->AddInt("backup-max-age", "SECONDS", "how old the required backup may be (default 86400)", 86400, 1,
                          365LL * 86400);
  return f;
}

Status CheckRequiredBackup(const RequiredBackupFlags& flags, JobRun* run, const Connection& conn) {
  auto path = flags.report.value();
  if (!path) return Status::Ok();
  int64_t max_age = 0;
  BAMORT_RETURN_IF_ERROR(flags.max_age.Read(&max_age));
  ReportExpectation expect;
  expect.job = "backup";
  expect.db_host = run->report().database.host;
  expect.db_name = conn.config().name;
  expect.max_age_seconds = max_age;
  StepReport backup;
  BAMORT_RETURN_IF_ERROR(ValidatePreviousReport(*path, expect, &backup).WithContext("--require-backup"));
  // The paper is in order; now the set it names (present, whole, the one it says).
  const ClaimedBackupSet claim = ClaimOf(*path, backup);
  Manifest manifest;
  BAMORT_RETURN_IF_ERROR(VerifyClaimedBackupSet(claim, &manifest).WithContext("--require-backup"));
  spdlog::info("backup set {} checked: {} file(s), sizes and sha256 as in its manifest", claim.set_dir,
               manifest.files.size());
  run->report().inputs->set("backup_set", claim.set_dir);
  run->report().inputs->set("backup_report", *path);
  run->report().inputs->set("backup_run_id", backup.run_id);
  spdlog::info("backup report {} accepted (run {}, finished {})", *path, backup.run_id,
               FormatRfc3339(backup.finished_at));
  return Status::Ok();
}

// --rehearse-import SOURCE: the real import, on the migrated copy, with the options the real
// import would get (not rolled back there: the copy is thrown away).
Status RehearseImportStep(const MigrateFlags& flags, JobRun* run, RehearsalOptions* rehearsal) {
  auto source = flags.rehearse_import.value();
  if (!source) return Status::Ok();
  // The import's defaults (the flags migrate does not have read as not given) and migrate's
  // --lock-timeout.
  ImportFlags import_flags;
  import_flags.lock_timeout = flags.lock_timeout;
  ImportOptions import;
  BAMORT_RETURN_IF_ERROR(
      ImportOptionsFromFlags(import_flags, /*dry_run=*/false, *source, &import).WithContext("--rehearse-import"));
  run->report().inputs->set("rehearse_import", *source);
  rehearsal->after_chain_name = "import";
  rehearsal->after_chain = [import](Connection* copy, Poco::JSON::Object::Ptr* details) {
    ImportResult result;
    Status s = ImportMasterData(copy, import, &result);
    *details = result.ToJson();
    (*details)->set("outcome", s.ok() ? "ok" : "failed");
    (*details)->set("exit_code", s.exit_code());
    if (!s.ok()) (*details)->set("message", s.message());
    Poco::JSON::Array::Ptr warnings = new Poco::JSON::Array();
    for (const std::string& w : result.warnings) warnings->add(w);
    (*details)->set("warnings", warnings);
    if (s.ok()) spdlog::info("rehearsal: import of {} on the migrated copy: {}", import.source, ImportCountsLine(result));
    return s;
  };
  return Status::Ok();
}

// The dry run rehearses on a private copy (migrate/rehearsal.h); its verdict is the real run's.
Status RehearseMigrateJob(const MigrateFlags& flags, JobRun* run, Connection* conn, const std::vector<Migration>& migrations,
                          const MigrateOptions& options) {
  RehearsalOptions rehearsal;
  rehearsal.migrate = options;
  rehearsal.plan_out = &std::cout;
  BAMORT_RETURN_IF_ERROR(RehearseImportStep(flags, run, &rehearsal));
  RehearsalResult rehearsed;
  Status s = RehearseMigrate(conn, migrations, rehearsal, &rehearsed);
  FillDatabaseVersions(rehearsed.planned, run);
  FillMigrateDetails(rehearsed.planned, "planned", run);
  run->report().details->set("rehearsal", rehearsed.ToJson(s));
  if (rehearsed.rehearsed_ok()) PrintRehearsal(rehearsed, migrations, std::cout);
  if (!rehearsed.rehearsed_ok() && !rehearsed.planned.steps.empty()) {
    run->Warn("the dry run was NOT rehearsed (" + rehearsed.reason + "): the printed plan cannot fail where the "
              "real run fails");
  }
  if (rehearsal.after_chain && rehearsed.after_chain_name.empty() && s.ok()) {
    run->Warn("the import was not rehearsed (" + rehearsed.reason + "); bamort-import-masterdata --dry-run --source " +
              flags.rehearse_import.value_or("") + " shows what it would do" +
              (rehearsed.planned.steps.empty() ? " on this database" : " once the database is migrated"));
  }
  if (s.ok() && rehearsed.planned.steps.empty()) run->report().details->set("nothing_pending", true);
  return s;
}

// What migrate and rollback read alike: the lock settings, the dry run, who applies.
template <typename Options>
Status ReadCommonOptions(const JobCli& cli, const IntFlag& lock_timeout_flag, const DdlLockWaitFlags& ddl_lock_wait,
                         JobRun* run, Options* options, int64_t* lock_timeout) {
  BAMORT_RETURN_IF_ERROR(lock_timeout_flag.Read(lock_timeout));
  options->lock_timeout_seconds = static_cast<int>(*lock_timeout);
  BAMORT_RETURN_IF_ERROR(ddl_lock_wait.Read(run, &options->lock_wait));
  options->dry_run = cli.dry_run();
  options->applied_by = AppliedBy(*run);
  options->sql_out = &std::cout;
  return Status::Ok();
}

}  // namespace

StatusFlags::StatusFlags(JobCli* cli)
    : json(cli->AddSwitch("json", "print the status as JSON on stdout")),
      history(cli->AddSwitch("history",
                             "print every migration with its state, when and by whom it was applied, and whether\n"
                             "its checksum still matches (like Flyway's info); with --json as a JSON array")),
      migrations_dir(DeclareMigrationsDir(cli)) {}

Status RunStatus(const StatusFlags& flags, JobRun* run) {
  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(flags.migrations_dir, &migrations));
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  VersionStatus vs;
  BAMORT_RETURN_IF_ERROR(ReadVersionStatus(conn.get(), migrations, &vs));
  Poco::JSON::Object::Ptr json = VersionStatusToJson(vs);
  std::vector<HistoryEntry> history = MigrationHistory(vs, migrations);
  json->set("history", MigrationHistoryToJson(history));
  run->report().details = json;
  run->report().database.version_before = run->report().database.version_after = vs.compat.actual_version;
  run->report().database.migration_number_before = run->report().database.migration_number_after =
      vs.compat.actual_number;
  if (flags.history.on()) {
    if (flags.json.on()) {
      Poco::JSON::Stringifier::stringify(json->getArray("history"), std::cout, 2);
      std::cout << "\n";
    } else {
      std::cout << MigrationHistoryToText(history);
    }
  } else if (flags.json.on()) {
    Poco::JSON::Stringifier::stringify(json, std::cout, 2);
    std::cout << "\n";
  } else {
    std::cout << VersionStatusToText(vs, conn->config().Describe());
  }
  if (vs.compat.state == CompatState::kCompatible) return Status::Ok();
  // Behind is the normal state before a deploy, not an error of this job.
  if (vs.compat.state == CompatState::kBehind) run->ExitCodeIsAState();
  return Status::Precondition(std::string("database is ") + CompatStateName(vs.compat.state) + ": " +
                              vs.compat.reason,
                              VersionStatusHint(vs));
}

MigrateFlags::MigrateFlags(JobCli* cli)
    : to_version(cli->AddText("to-version", "X.Y.Z", "stop at this DB version instead of the latest")),
      rehearse_import(cli->AddText(
          "rehearse-import", "PACKAGE|DIR|FILE",
          "with --dry-run: after the migrations succeeded on the private copy, import this master data there too "
          "(as bamort-import-masterdata --source); its counts and refusals are the dry run's")),
      lock_timeout(DeclareLockTimeout(cli)),
      backup(DeclareRequiredBackup(cli, "refuse to run without this ok bamort-backup report of the same database")),
      repair(cli->AddSwitch("repair", "remove the dirty record after you fixed the database by hand; the next "
                                      "migrate re-runs that migration from its first statement")),
      migrations_dir(DeclareMigrationsDir(cli)),
      ddl_lock_wait(DeclareDdlLockWait(cli)) {}

Status RunMigrate(const JobCli& cli, const MigrateFlags& flags, JobRun* run) {
  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(flags.migrations_dir, &migrations));
  MigrateOptions options;
  BAMORT_RETURN_IF_ERROR(ParseOptionalVersion(flags.to_version, &options.to_version));
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(ReadCommonOptions(cli, flags.lock_timeout, flags.ddl_lock_wait, run, &options, &lock_timeout));
  run->report().inputs->set("target_version",
                            options.to_version ? options.to_version->ToString() : migrations.back().version.ToString());
  run->report().inputs->set("lock_timeout_seconds", lock_timeout);

  if (flags.rehearse_import.given() && !options.dry_run) {
    return Status::BadInput("--rehearse-import needs --dry-run (the real import is bamort-import-masterdata)");
  }
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  Migrator migrator(conn.get(), migrations);
  MigrateResult result;
  Status s;
  if (flags.repair.on()) {
    std::optional<MigrationRecord> repaired;
    s = migrator.Repair(options.lock_timeout_seconds, &repaired);
    run->report().details->set("repaired_migration", repaired ? Poco::Dynamic::Var(repaired->number) : Poco::Dynamic::Var());
    return s;
  }
  if (options.dry_run) return RehearseMigrateJob(flags, run, conn.get(), migrations, options);
  // Only a run that would change something needs the backup; checked before the lock.
  options.before_changes = [&] { return CheckRequiredBackup(flags.backup, run, *conn); };
  s = migrator.Migrate(options, &result);
  FillDatabaseVersions(result, run);
  FillMigrateDetails(result, "applied", run);
  if (s.ok() && result.steps.empty()) run->report().details->set("nothing_pending", true);
  return s;
}

RollbackFlags::RollbackFlags(JobCli* cli)
    : steps(cli->AddInt("steps", "N", "roll back the last N migrations", 1, 1, 100000)),
      to_version(cli->AddText("to-version", "X.Y.Z", "roll back to the last migration of this version")),
      lock_timeout(DeclareLockTimeout(cli)),
      backup(DeclareRequiredBackup(
          cli, "an ok bamort-backup report of this database; needed when the rollback drops data")),
      migrations_dir(DeclareMigrationsDir(cli)),
      ddl_lock_wait(DeclareDdlLockWait(cli)) {}

Status RunRollback(const JobCli& cli, const RollbackFlags& flags, JobRun* run) {
  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(flags.migrations_dir, &migrations));
  RollbackOptions options;
  BAMORT_RETURN_IF_ERROR(ParseOptionalVersion(flags.to_version, &options.to_version));
  if (flags.steps.given()) {
    int64_t steps = 0;
    BAMORT_RETURN_IF_ERROR(flags.steps.Read(&steps));
    options.steps = steps;
  }
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(ReadCommonOptions(cli, flags.lock_timeout, flags.ddl_lock_wait, run, &options, &lock_timeout));
  if (options.steps.has_value() == options.to_version.has_value()) {
    return Status::BadInput("give exactly one of --steps N or --to-version V");
  }
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  if (!options.dry_run && flags.backup.report.given()) {
    BAMORT_RETURN_IF_ERROR(CheckRequiredBackup(flags.backup, run, *conn));
    options.backup_verified = true;
  }
  Migrator migrator(conn.get(), migrations);
  MigrateResult result;
  Status s = migrator.Rollback(options, &result);
  FillDatabaseVersions(result, run);
  FillMigrateDetails(result, options.dry_run ? "planned" : "rolled_back", run);
  Poco::JSON::Array::Ptr losses = new Poco::JSON::Array();
  for (const DataLoss& loss : result.data_loss) losses->add(loss.Describe());
  run->report().details->set("data_loss", losses);
  return s;
}

}  // namespace bamort
