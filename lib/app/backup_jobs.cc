#include "app/backup_jobs.h"

#include <signal.h>

#include <cstdlib>
#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "migrate/migration_source.h"
#include "migrate/version_status.h"
#include "backup/backup_set.h"
#include "backup/logical_backup.h"
#include "backup/manifest.h"
#include "backup/restore.h"
#include "backup/verify.h"
#include "common/measure.h"

namespace bamort {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// The report repeats the manifest's files and tables.
Array::Ptr FilesJson(const Manifest& m) { return m.ToJson()->getArray("files"); }
Object::Ptr StatsJson(const Manifest& m) { return m.ToJson()->getObject("tables"); }

Object::Ptr SetSummaryJson(const BackupSet& s) {
  Object::Ptr o = new Object(true);
  o->set("set", s.manifest.set_name);
  o->set("path", s.dir);
  o->set("created_at", FormatRfc3339(s.manifest.created_at));
  o->set("database", s.manifest.db_name);
  o->set("db_version", s.manifest.db_version ? Poco::Dynamic::Var(*s.manifest.db_version) : Poco::Dynamic::Var());
  o->set("migration_number", s.manifest.migration_number);
  o->set("size", s.manifest.TotalSize());
  o->set("verified", s.manifest.verified);
  o->set("kind", s.manifest.kind);
  return o;
}

Status ListSets(const BackupFlags& flags, JobRun* run) {
  std::string dir = BackupOutDir(flags);
  SetListing listing;
  BAMORT_RETURN_IF_ERROR(ListBackupSets(dir, &listing));
  Array::Ptr sets = new Array();
  for (const BackupSet& s : listing.sets) sets->add(SetSummaryJson(s));
  run->report().inputs->set("out_dir", dir);
  run->report().details->set("sets", sets);
  if (flags.json.on()) {
    Object::Ptr o = new Object(true);
    o->set("out_dir", dir);
    o->set("sets", sets);
    Poco::JSON::Stringifier::stringify(o, std::cout, 2);
    std::cout << "\n";
    return Status::Ok();
  }
  if (listing.sets.empty()) {
    std::cout << "no backup sets in " << dir << "\n";
    return Status::Ok();
  }
  std::printf("%-24s  %-12s  %-8s  %-8s  %10s  %-10s  %s\n", "created (UTC)", "database", "version", "kind", "size",
              "verified", "set");
  for (const BackupSet& s : listing.sets) {
    std::string t = FormatRfc3339(s.manifest.created_at).substr(0, 19) + "Z";
    std::printf("%-24s  %-12s  %-8s  %-8s  %10s  %-10s  %s\n", t.c_str(), s.manifest.db_name.c_str(),
                s.manifest.db_version.value_or("-").c_str(), s.manifest.kind.c_str(), HumanBytes(s.manifest.TotalSize()).c_str(),
                s.manifest.verified ? "verified" : "no", s.dir.c_str());
  }
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace

std::string BackupOutDir(const BackupFlags& flags) {
  if (auto d = flags.out_dir.value()) return *d;
  const char* env = std::getenv("BAMORT_BACKUP_DIR");
  return env && *env ? env : "/backups";
}

Status VerifyServerFromFlags(const BackupFlags& flags, PrivateServerOptions* out) {
  out->parent_dir = flags.verify_tmpdir.value_or("");
  out->buffer_pool_size = flags.verify_buffer_pool.value_or(out->buffer_pool_size);
  // "128M", "2G", "536870912": digits and at most one unit letter, as mariadbd takes it.
  const std::string& size = out->buffer_pool_size;
  size_t digits = size.find_first_not_of("0123456789");
  bool ok = digits != 0 && (digits == std::string::npos ||
                            (digits == size.size() - 1 && std::string("KMGkmg").find(size.back()) != std::string::npos));
  return ok ? Status::Ok()
            : Status::BadInput("--verify-buffer-pool must be a size such as 512M or 2G, not '" + size + "'");
}

BackupFlags AddBackupFlags(JobCli* cli) {
  BackupFlags f;
  f.out_dir = cli->AddText("out-dir", "DIR", "folder of the backup sets (default: $BAMORT_BACKUP_DIR or /backups)");
  f.verify = cli->AddSwitch("verify", "load the SQL dump into a private throwaway MariaDB (or a scratch database) and "
                                      "compare every table with the source; a difference fails the backup "
                                      "(docs/BACKUP.md)");
  f.verify_in = cli->AddText("verify-in", "auto|private|scratch",
                             "where --verify loads the dump: a private mariadbd started by the job, a scratch "
                             "database on the server, or auto (default: private when mariadbd is installed, else "
                             "scratch)");
  f.verify_tmpdir = cli->AddText("verify-tmpdir", "DIR", "folder for the private verify server's data (default "
                                                         "$TMPDIR or /tmp; needs about the dump's uncompressed size "
                                                         "plus 100 MB)");
  f.verify_buffer_pool = cli->AddText("verify-buffer-pool", "SIZE", "InnoDB buffer pool of the private verify "
                                                                    "server, e.g. 512M or 2G (default 128M)");
  f.list = cli->AddSwitch("list", "list the backup sets in --out-dir, newest first, and exit (no database needed)");
  f.json = cli->AddSwitch("json", "with --list: print JSON");
  f.retention_days = cli->AddInt("retention-days", "N", "after a successful backup delete sets of this database "
                                                        "older than N days (default 30)", 30, 1, 36500);
  f.keep_min = cli->AddInt("keep-min", "N", "but always keep the newest N sets (default 3)", 3, 1, 100000);
  f.no_retention = cli->AddSwitch("no-retention", "delete nothing after the backup");
  f.lock_timeout = DeclareLockTimeout(cli);
  return f;
}

RestoreFlags AddRestoreFlags(JobCli* cli) {
  RestoreFlags f;
  f.backup = cli->AddText("backup", "SET", "the backup set folder, or its manifest.json (required)");
  f.from = cli->AddText("from", "sql|json", "restore the SQL dump (default) or the JSON export");
  f.target_db = cli->AddText("target-db", "NAME", "restore into this database instead of the configured one "
                                                  "(created if missing)");
  f.replace = cli->AddSwitch("replace", "allow --target-db to name a database that already holds tables (they "
                                        "are dropped)");
  f.lock_timeout = DeclareLockTimeout(cli);
  f.ddl_lock_wait = DeclareDdlLockWait(cli);
  return f;
}

namespace {

Status BackupOptionsFromFlags(const JobCli& cli, const BackupFlags& flags, const JobRun& run,
                              LogicalBackupOptions* o) {
  o->out_dir = BackupOutDir(flags);
  BAMORT_RETURN_IF_ERROR(flags.retention_days.Read(&o->policy.retention_days));
  BAMORT_RETURN_IF_ERROR(flags.keep_min.Read(&o->policy.keep_min));
  BAMORT_RETURN_IF_ERROR(flags.lock_timeout.Read(&o->lock_timeout_seconds));
  o->verify = flags.verify.on();
  BAMORT_RETURN_IF_ERROR(ParseVerifyWhere(flags.verify_in.value_or("auto"), &o->verify_where));
  BAMORT_RETURN_IF_ERROR(VerifyServerFromFlags(flags, &o->verify_server));
  o->retention = !flags.no_retention.on();
  o->run_id = run.run_id();
  o->dry_run = cli.dry_run();
  return Status::Ok();
}

// The retention's part of the report: what it kept and deleted, or that it was skipped.
Object::Ptr RetentionJson(const LogicalBackupOptions& o, const LogicalBackupResult& r) {
  Object::Ptr retention = new Object(true);
  if (!o.retention) {
    retention->set("skipped", true);
  } else if (r.retention_ran) {
    retention->set("kept", StringsJson(r.retention.kept));
    retention->set("deleted", StringsJson(r.retention.deleted));
    retention->set("partials_deleted", StringsJson(r.retention.partials_deleted));
  }
  retention->set("retention_days", o.policy.retention_days);
  retention->set("keep_min", o.policy.keep_min);
  return retention;
}

// The backup's result as report fields (docs/REPORTS.md), as far as the backup got.
void ReportBackup(const LogicalBackupOptions& o, const LogicalBackupResult& r, StepReport* report) {
  if (r.version_read) {
    report->database.version_before = report->database.version_after = r.version.version;
    report->database.migration_number_before = report->database.migration_number_after = r.version.migration_number;
  }
  if (!r.set_name.empty()) {
    report->details->set("set", r.set_name);
    report->details->set("set_path", r.set_dir);
  }
  if (r.space_checked) report->details->set("table_bytes", r.table_bytes);
  if (!r.verify_method.empty()) report->inputs->set("verify_in", r.verify_method);
  if (!r.changed.empty()) report->details->set("changed_during_backup", StringsJson(r.changed));
  if (r.verify_ran) report->details->set("verification", r.manifest.verification);
  if (!r.complete) return;
  const Manifest& m = r.manifest;
  report->outputs->set("backup_set", r.set_dir);
  report->outputs->set("manifest", r.set_dir + "/manifest.json");
  report->details->set("files", FilesJson(m));
  report->details->set("tables", StatsJson(m));
  report->details->set("verified", m.verified);
  report->details->set("created_at", FormatRfc3339(m.created_at));
  Object::Ptr timings = new Object(true);
  timings->set("dump_ms", r.dump.dump_ms);
  timings->set("export_ms", r.dump.dump_ms);
  timings->set("checksums_ms", r.dump.checksums_ms);
  timings->set("checksums_after_ms", r.dump.checksums_after_ms);
  report->details->set("timings", timings);
  report->details->set("retention", RetentionJson(o, r));
}

// The dry run's plan, as the operator reads it.
void PrintBackupPlan(const LogicalBackupOptions& o, const LogicalBackupResult& r) {
  std::cout << "would write the backup set " << r.set_dir << " (" << r.tables.size() << " tables"
            << (o.verify ? ", verified" : "") << ")\n";
  if (o.verify) {
    std::cout << (r.private_verify ? "would verify in a private MariaDB started for it\n"
                                   : "would verify in a scratch database on the server (no private server: " +
                                         r.why_no_private + "); the user needs CREATE and DROP on it\n");
  }
  if (!o.retention) return;
  for (const std::string& d : r.planned_retention.deleted) std::cout << "retention would delete " << d << "\n";
  for (const std::string& d : r.planned_retention.partials_deleted) {
    std::cout << "retention would delete leftover " << d << "\n";
  }
}

}  // namespace

Status RunBackup(const JobCli& cli, const BackupFlags& flags, JobRun* run) {
  ::signal(SIGPIPE, SIG_IGN);
  if (flags.list.on()) return ListSets(flags, run);
  if (flags.json.on()) return Status::BadInput("--json only goes with --list");
  LogicalBackupOptions options;
  BAMORT_RETURN_IF_ERROR(BackupOptionsFromFlags(cli, flags, *run, &options));
  auto& report = run->report();
  report.inputs->set("out_dir", options.out_dir);
  report.inputs->set("verify", options.verify);
  report.inputs->set("retention_days", options.policy.retention_days);
  report.inputs->set("keep_min", options.policy.keep_min);
  report.inputs->set("retention", options.retention);

  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(EmbeddedMigrationSource()->Load(&migrations));  // bamort-backup has no --migrations-dir
  LogicalBackupDeps deps;
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&deps.config));
  deps.read_version = [&migrations](Connection* conn, DatabaseVersion* out) {
    VersionStatus vs;
    BAMORT_RETURN_IF_ERROR(ReadVersionStatus(conn, migrations, &vs));
    out->version = vs.compat.actual_version;
    out->migration_number = vs.compat.actual_number;
    return Status::Ok();
  };
  deps.info = [](const std::string& line) { spdlog::info("{}", line); };
  deps.warn = [run](const std::string& warning) { run->Warn(warning); };
  LogicalBackupResult result;
  Status s = RunLogicalBackup(options, deps, &result);
  ReportBackup(options, result, &report);
  if (s.ok() && options.dry_run) {
    PrintBackupPlan(options, result);
    report.details->set("tables", StringsJson(result.tables));
  }
  return s;
}

namespace {

Status RestoreOptionsFromFlags(const JobCli& cli, const RestoreFlags& flags, RestoreOptions* o) {
  auto backup = flags.backup.value();
  if (!backup || backup->empty()) return Status::BadInput("--backup SET is required", "see bamort-backup --list");
  std::string from = flags.from.value_or("sql");
  if (from != "sql" && from != "json") return Status::BadInput("--from must be sql or json, not '" + from + "'");
  BAMORT_RETURN_IF_ERROR(flags.lock_timeout.Read(&o->lock_timeout_seconds));
  o->backup = *backup;
  o->from = from == "sql" ? RestoreSource::kSqlDump : RestoreSource::kJsonExport;
  o->target_db = flags.target_db.value_or("");
  o->replace = flags.replace.on();
  o->dry_run = cli.dry_run();
  return Status::Ok();
}

// The restore's result as report fields (docs/REPORTS.md), as far as the restore got.
void ReportRestore(const RestoreOptions& o, const RestoreResult& r, StepReport* report) {
  if (r.manifest_read) {
    const Manifest& m = r.manifest;
    report->inputs->set("backup", r.set_dir);
    report->inputs->set("from", RestoreSourceName(o.from));
    report->details->set("set", m.set_name);
    report->details->set("set_path", r.set_dir);
    report->details->set("set_created_at", FormatRfc3339(m.created_at));
    report->details->set("set_database", m.db_name);
    report->details->set("set_db_version", m.db_version ? Poco::Dynamic::Var(*m.db_version) : Poco::Dynamic::Var());
    report->details->set("set_verified", m.verified);
    report->details->set("files", FilesJson(m));
  }
  if (r.files_checked) {
    report->details->set("check_ms", r.check_ms);
    report->details->set("file_problems", StringsJson(r.file_problems));
  }
  if (r.content_checked) {
    report->details->set("content_check_ms", r.content_check_ms);
    report->details->set("content_differences", StringsJson(r.content_differences));
  }
  if (!r.privileges_needed.empty()) report->details->set("privileges_needed", StringsJson(r.privileges_needed));
  if (!r.target.empty()) {
    report->database.name = r.target;
    report->inputs->set("target_db", r.target);
  }
  if (r.emptied) report->details->set("dropped_before_restore", StringsJson(r.dropped));
  if (r.emptied) report->details->set("load_chunks", r.load_chunks);
  Object::Ptr phases = new Object(true);
  for (const auto& [name, ms] : r.phases_ms) phases->set(name, ms);
  report->details->set("phases_ms", phases);
  if (!r.compared) return;
  report->details->set("finished_earlier_run", r.finished_earlier_run);
  report->details->set("compare_ms", r.compare_ms);
  Object::Ptr tables = new Object(true);
  for (const auto& [name, expected] : r.manifest.tables) {
    Object::Ptr t = new Object(true);
    auto it = r.restored.find(name);
    t->set("rows_expected", expected.rows);
    t->set("checksum_expected", expected.checksum);
    t->set("rows", it == r.restored.end() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(it->second.rows));
    t->set("checksum", it == r.restored.end() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(it->second.checksum));
    t->set("equal", it != r.restored.end() && it->second == expected);
    tables->set(name, t);
  }
  report->details->set("tables", tables);
  report->details->set("differences", StringsJson(r.differences));
  report->details->set("load_ms", r.load_ms);
  report->database.version_after = r.manifest.db_version;
  report->database.migration_number_after = r.manifest.migration_number;
}

}  // namespace

Status RunRestore(const JobCli& cli, const RestoreFlags& flags, JobRun* run) {
  ::signal(SIGPIPE, SIG_IGN);
  RestoreOptions options;
  BAMORT_RETURN_IF_ERROR(RestoreOptionsFromFlags(cli, flags, &options));
  BAMORT_RETURN_IF_ERROR(flags.ddl_lock_wait.Read(run, &options.lock_wait));
  RestoreDeps deps;
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&deps.config));
  deps.info = [](const std::string& line) { spdlog::info("{}", line); };
  deps.warn = [run](const std::string& warning) { run->Warn(warning); };
  RestoreResult result;
  Status s = RestoreBackupSet(options, deps, &result);
  ReportRestore(options, result, &run->report());
  if (s.ok() && options.dry_run) {
    std::cout << "would restore " << result.set_dir << " (" << RestoreSourceName(options.from) << ", "
              << result.manifest.tables.size() << " tables) into " << result.target
              << (result.existing_objects > 0
                      ? ", dropping its " + std::to_string(result.existing_objects) + " tables first"
                      : "")
              << "\n";
  }
  return s;
}

}  // namespace bamort
