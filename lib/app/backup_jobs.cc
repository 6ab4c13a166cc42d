#include "app/backup_jobs.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "migrate/version_status.h"
#include "backup/backup_set.h"
#include "backup/consistent_dump.h"
#include "backup/dump_stream.h"
#include "backup/json_export.h"
#include "backup/manifest.h"
#include "backup/restore.h"
#include "backup/space_check.h"
#include "backup/sql_dump.h"
#include "backup/table_stats.h"
#include "backup/verify.h"
#include "build_info.h"
#include "common/fault_points.h"
#include "common/file_io.h"
#include "common/output_dir.h"
#include "common/measure.h"
#include "common/sha256.h"
#include "db/named_lock.h"

namespace bamort {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kDumpFile = "dump.sql.gz";
constexpr const char* kExportFile = "export.jsonl.gz";
constexpr const char* kManifestFile = "manifest.json";

std::string OutDir(const JobCli& cli) {
  if (auto d = cli.Get("out-dir")) return *d;
  const char* env = std::getenv("BAMORT_BACKUP_DIR");
  return env && *env ? env : "/backups";
}

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

Status ListSets(const JobCli& cli, JobRun* run) {
  std::string dir = OutDir(cli);
  SetListing listing;
  BAMORT_RETURN_IF_ERROR(ListBackupSets(dir, &listing));
  Array::Ptr sets = new Array();
  for (const BackupSet& s : listing.sets) sets->add(SetSummaryJson(s));
  run->report().inputs->set("out_dir", dir);
  run->report().details->set("sets", sets);
  if (cli.Has("json")) {
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

PrivateServerOptions VerifyServerOptions(const JobCli& cli) {
  PrivateServerOptions o;
  o.parent_dir = cli.GetOr("verify-tmpdir", "");
  o.buffer_pool_size = cli.GetOr("verify-buffer-pool", o.buffer_pool_size);
  return o;
}

// Free space for the set and for the private verify copy, checked before anything is
// written (backup/space_check.h), in the dry run as in the real run.
Status CheckBackupSpace(const JobCli& cli, Connection* conn, const std::string& out_dir, bool private_verify,
                        JobRun* run) {
  uint64_t table_bytes = 0;
  BAMORT_RETURN_IF_ERROR(DatabaseBytes(conn, &table_bytes));
  std::string verify_dir;
  if (private_verify) {
    verify_dir = VerifyServerOptions(cli).parent_dir;
    const char* tmp = std::getenv("TMPDIR");
    if (verify_dir.empty()) verify_dir = tmp && *tmp ? tmp : "/tmp";
  }
  run->report().details->set("table_bytes", table_bytes);
  return CheckFreeSpace(BackupSpaceNeeds(table_bytes, out_dir, verify_dir));
}

// "128M", "2G", "536870912": digits and at most one unit letter, as mariadbd takes it.
Status CheckBufferPoolSize(const std::string& size) {
  size_t digits = size.find_first_not_of("0123456789");
  bool ok = digits != 0 && (digits == std::string::npos ||
                            (digits == size.size() - 1 && std::string("KMGkmg").find(size.back()) != std::string::npos));
  return ok ? Status::Ok()
            : Status::BadInput("--verify-buffer-pool must be a size such as 512M or 2G, not '" + size + "'");
}


}  // namespace

void AddBackupFlags(JobCli* cli) {
  cli->Flag("out-dir", "DIR", "folder of the backup sets (default: $BAMORT_BACKUP_DIR or /backups)")
      .Switch("verify", "load the SQL dump into a private throwaway MariaDB (or a scratch database) and compare "
                        "every table with the source; a difference fails the backup (docs/BACKUP.md)")
      .Flag("verify-in", "auto|private|scratch", "where --verify loads the dump: a private mariadbd started by the "
                                                 "job, a scratch database on the server, or auto (default: private "
                                                 "when mariadbd is installed, else scratch)")
      .Flag("verify-tmpdir", "DIR", "folder for the private verify server's data (default $TMPDIR or /tmp; needs "
                                    "about the dump's uncompressed size plus 100 MB)")
      .Flag("verify-buffer-pool", "SIZE", "InnoDB buffer pool of the private verify server, e.g. 512M or 2G "
                                          "(default 128M)")
      .Switch("list", "list the backup sets in --out-dir, newest first, and exit (no database needed)")
      .Switch("json", "with --list: print JSON")
      .Flag("retention-days", "N", "after a successful backup delete sets of this database older than N days "
                                   "(default 30)")
      .Flag("keep-min", "N", "but always keep the newest N sets (default 3)")
      .Switch("no-retention", "delete nothing after the backup")
      .Flag("lock-timeout", "SECONDS", "wait this long for the deployment lock (default 60)");
}

void AddRestoreFlags(JobCli* cli) {
  cli->Flag("backup", "SET", "the backup set folder, or its manifest.json (required)")
      .Flag("from", "sql|json", "restore the SQL dump (default) or the JSON export")
      .Flag("target-db", "NAME", "restore into this database instead of the configured one (created if missing)")
      .Switch("replace", "allow --target-db to name a database that already holds tables (they are dropped)")
      .Flag("lock-timeout", "SECONDS", "wait this long for the deployment lock (default 60)");
  AddDdlLockWaitFlags(cli);
}

Status RunBackup(const JobCli& cli, JobRun* run) {
  ::signal(SIGPIPE, SIG_IGN);
  if (cli.Has("list")) return ListSets(cli, run);
  if (cli.Has("json")) return Status::BadInput("--json only goes with --list");
  const std::string out_dir = OutDir(cli);
  std::string out_dir_warning;
  BAMORT_RETURN_IF_ERROR(CheckOutputDir("--out-dir", out_dir, &out_dir_warning));
  if (!out_dir_warning.empty()) run->Warn(out_dir_warning);
  RetentionPolicy policy;
  BAMORT_RETURN_IF_ERROR(cli.GetInt("retention-days", 30, 1, 36500, &policy.retention_days));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("keep-min", 3, 1, 100000, &policy.keep_min));
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(LockTimeoutSeconds(cli, &lock_timeout));
  const bool verify = cli.Has("verify");
  VerifyWhere verify_where = VerifyWhere::kAuto;
  BAMORT_RETURN_IF_ERROR(ParseVerifyWhere(cli.GetOr("verify-in", "auto"), &verify_where));
  BAMORT_RETURN_IF_ERROR(CheckBufferPoolSize(VerifyServerOptions(cli).buffer_pool_size));
  auto& report = run->report();
  report.inputs->set("out_dir", out_dir);
  report.inputs->set("verify", verify);
  report.inputs->set("retention_days", policy.retention_days);
  report.inputs->set("keep_min", policy.keep_min);
  report.inputs->set("retention", !cli.Has("no-retention"));

  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(cli, &migrations));
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  const DbConfig config = conn->config();
  VersionStatus vs;
  BAMORT_RETURN_IF_ERROR(ReadVersionStatus(conn.get(), migrations, &vs));
  report.database.version_before = report.database.version_after = vs.compat.actual_version;
  report.database.migration_number_before = report.database.migration_number_after = vs.compat.actual_number;
  BAMORT_RETURN_IF_ERROR(CheckExportable(conn.get(), config.name));

  const SystemTime now = BackupClockNow();
  Manifest manifest;
  manifest.set_name = SetNameFor(config.name, now);
  manifest.created_at = now;
  manifest.run_id = run->run_id();
  manifest.db_host = report.database.host;
  manifest.db_name = config.name;
  manifest.db_version = vs.compat.actual_version;
  manifest.migration_number = vs.compat.actual_number;
  manifest.server_version = conn->server_version();
  manifest.tool_version = kToolVersion;
  manifest.backend_version = kBackendVersion;
  std::string set_dir = out_dir + "/" + manifest.set_name;
  for (int i = 2; Poco::File(set_dir).exists() || Poco::File(PartialDirFor(out_dir, manifest.set_name)).exists(); ++i) {
    manifest.set_name = SetNameFor(config.name, now) + "-" + std::to_string(i);
    set_dir = out_dir + "/" + manifest.set_name;
  }
  const std::string partial = PartialDirFor(out_dir, manifest.set_name);
  report.details->set("set", manifest.set_name);
  report.details->set("set_path", set_dir);

  if (cli.dry_run()) {
    std::vector<std::string> tables;
    BAMORT_RETURN_IF_ERROR(ListBaseTables(conn.get(), config.name, &tables));
    SetListing listing;
    BAMORT_RETURN_IF_ERROR(ListBackupSets(out_dir, &listing));
    RetentionPlan plan = PlanRetention(listing, policy, config.name, "", now);
    std::string why_not;
    const bool private_server =
        verify_where != VerifyWhere::kScratchSchema && PrivateServer::Available(VerifyServerOptions(cli), &why_not);
    if (verify && verify_where == VerifyWhere::kPrivateServer && !private_server) {
      return Status::Precondition("--verify-in private: cannot start a private verify server: " + why_not);
    }
    BAMORT_RETURN_IF_ERROR(CheckBackupSpace(cli, conn.get(), out_dir, verify && private_server, run));
    if (why_not.empty()) why_not = "--verify-in scratch";
    std::cout << "would write the backup set " << set_dir << " (" << tables.size() << " tables" << (verify ? ", verified" : "")
              << ")\n";
    if (verify) {
      std::cout << (private_server ? "would verify in a private MariaDB started for it\n"
                                   : "would verify in a scratch database on the server (no private server: " + why_not +
                                         "); the user needs CREATE and DROP on it\n");
    }
    if (!cli.Has("no-retention")) {
      for (const std::string& d : plan.deleted) std::cout << "retention would delete " << d << "\n";
      for (const std::string& d : plan.partials_deleted) std::cout << "retention would delete leftover " << d << "\n";
    }
    report.details->set("tables", StringsJson(tables));
    return Status::Ok();
  }

  // Where --verify will load the dump, decided (and its server installing) before
  // anything is dumped: a job that cannot verify is refused first (exit 3).
  {
    std::string unused;
    const bool private_verify = verify && verify_where != VerifyWhere::kScratchSchema &&
                                PrivateServer::Available(VerifyServerOptions(cli), &unused);
    BAMORT_RETURN_IF_ERROR(CheckBackupSpace(cli, conn.get(), out_dir, private_verify, run));
  }
  std::unique_ptr<DumpVerifier> verifier;
  if (verify) {
    VerifyOptions vo;
    vo.where = verify_where;
    vo.server = VerifyServerOptions(cli);
    vo.source = config;
    vo.scratch_name = "bamort_verify_" + Sha256Hex(manifest.set_name + std::to_string(::getpid())).substr(0, 12);
    verifier = std::make_unique<DumpVerifier>(vo);
    BAMORT_RETURN_IF_ERROR(verifier->Prepare(conn.get()));
    report.inputs->set("verify_in", verifier->method());
  }

  // The deployment lock keeps migrations (DDL) out while the dump runs: --single-transaction
  // does not protect a dump against ALTER TABLE.
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.Acquire(conn.get(), NamedLock::NameFor(config.name), static_cast<int>(lock_timeout)));

  BAMORT_RETURN_IF_ERROR(MakeDirs(out_dir));
  if (::mkdir(partial.c_str(), 0700) != 0) {
    return Status::Failed("cannot create " + partial + ": " + std::strerror(errno),
                          "check that --out-dir is writable and has space");
  }
  bool keep_partial = false;
  struct PartialCleanup {
    const std::string& dir;
    bool* keep;
    bool done = false;
    ~PartialCleanup() {
      if (!done && !*keep) DeletePartialDir(dir);
    }
  } cleanup{partial, &keep_partial};

  spdlog::info("backup of {} into {}", config.Describe(), set_dir);
  // 2.-3. Dump, JSON export and the two checksum snapshots (backup/consistent_dump.h).
  ConsistentDumpOptions dump_options;
  dump_options.config = config;
  dump_options.dump_path = partial + "/" + kDumpFile;
  dump_options.export_path = partial + "/" + kExportFile;
  dump_options.created_at = FormatRfc3339(now);
  dump_options.content_hashes = verify;
  // Fault point (common/fault_points.h; set only in bamort-backup-faults): a statement
  // committed by another connection after the dump's snapshot is open and before
  // snapshot B, standing in for the application writing while the backup runs.
  if (std::optional<std::string> write = FaultPointSql(kFaultBeforeSnapshotB); write && !write->empty()) {
    dump_options.before_snapshot_b = [config, sql = *write] {
      std::unique_ptr<Connection> writer;
      Status w = Connection::Open(config, &writer);
      if (w.ok()) w = writer->Execute(sql);
      if (!w.ok()) spdlog::warn("test write before snapshot B failed: {}", w.ToString());
    };
  }
  ConsistentDumpResult dumped;
  BAMORT_RETURN_IF_ERROR(DumpConsistently(conn.get(), dump_options, &dumped));
  const DumpResult& dump = dumped.dump;
  const JsonExportResult& exported = dumped.exported;
  spdlog::info("dump: {} of SQL, {} gzip; export: {} of JSON, {} gzip; {} ms (checksums {} and {} ms beside it)",
               HumanBytes(dump.sql_bytes), HumanBytes(dump.gzip_bytes), HumanBytes(exported.json_bytes),
               HumanBytes(exported.gzip_bytes), dumped.dump_ms, dumped.checksums_ms, dumped.checksums_after_ms);
  manifest.files.push_back({kDumpFile, "sql-dump", dump.sha256, dump.gzip_bytes, dump.sql_bytes});
  manifest.files.push_back({kExportFile, "json-export", exported.sha256, exported.gzip_bytes, exported.json_bytes});
  if (!dumped.changed.empty()) {
    const std::vector<std::string>& changed = dumped.changed;
    report.details->set("changed_during_backup", StringsJson(changed));
    return Status::Failed("the database changed while the backup ran (" + changed.front() + (changed.size() > 1 ? ", ..." : "") +
                              "); the set would not match its manifest",
                          "run the backup again when the application is idle (or stopped)");
  }
  TableStats before = dumped.tables;
  manifest.tables = before;
  lock.Release();

  // 4. Verification.
  if (verify) {
    VerifyResult verified;
    BAMORT_RETURN_IF_ERROR(verifier->Verify(partial + "/" + kDumpFile, manifest.tables, &verified));
    Object::Ptr verification = verified.ToJson();
    manifest.verification = verification;
    report.details->set("verification", verification);
    if (!verified.equal()) {
      manifest.verified = false;
      keep_partial = true;
      WriteFileAtomic(partial + "/" + kManifestFile, manifest.ToJsonText(), 0600);
      return Status::Failed("verification failed: the dump restores to different contents (" +
                                verified.differences.front() + ")",
                            "the unverified files are kept in " + partial + " for inspection; retention removes them "
                            "after a day. Check the server log and disk, then run the backup again");
    }
    manifest.verified = true;
    spdlog::info("verify: all {} tables equal ({} ms)", manifest.tables.size(),
                 verification->getValue<int64_t>("duration_ms"));
  }

  // 5. The manifest last, then the folder gets its final name.
  BAMORT_RETURN_IF_ERROR(WriteFileAtomic(partial + "/" + kManifestFile, manifest.ToJsonText(), 0600));
  BAMORT_RETURN_IF_ERROR(FsyncDir(partial));
  if (::rename(partial.c_str(), set_dir.c_str()) != 0) {
    return Status::Failed("cannot rename " + partial + " to " + set_dir + ": " + std::strerror(errno));
  }
  cleanup.done = true;
  FsyncDir(out_dir);
  spdlog::info("backup set {} complete ({})", set_dir, HumanBytes(manifest.TotalSize()));

  report.outputs->set("backup_set", set_dir);
  report.outputs->set("manifest", set_dir + "/" + kManifestFile);
  report.details->set("files", FilesJson(manifest));
  report.details->set("tables", StatsJson(manifest));
  report.details->set("verified", manifest.verified);
  report.details->set("created_at", FormatRfc3339(manifest.created_at));
  Object::Ptr timings = new Object(true);
  timings->set("dump_ms", dumped.dump_ms);
  timings->set("export_ms", dumped.dump_ms);
  timings->set("checksums_ms", dumped.checksums_ms);
  timings->set("checksums_after_ms", dumped.checksums_after_ms);
  report.details->set("timings", timings);

  // 6. Retention.
  Object::Ptr retention = new Object(true);
  if (cli.Has("no-retention")) {
    retention->set("skipped", true);
  } else {
    SetListing listing;
    Status ls = ListBackupSets(out_dir, &listing);
    if (!ls.ok()) {
      run->Warn("retention skipped: " + ls.message());
    } else {
      RetentionPlan plan = PlanRetention(listing, policy, config.name, set_dir, now);
      std::vector<std::string> warnings;
      ApplyRetention(listing, &plan, &warnings);
      for (const std::string& w : warnings) run->Warn(w);
      for (const std::string& d : plan.deleted) spdlog::info("retention: deleted {}", d);
      for (const std::string& d : plan.partials_deleted) spdlog::info("retention: deleted the leftover {}", d);
      retention->set("kept", StringsJson(plan.kept));
      retention->set("deleted", StringsJson(plan.deleted));
      retention->set("partials_deleted", StringsJson(plan.partials_deleted));
    }
  }
  retention->set("retention_days", policy.retention_days);
  retention->set("keep_min", policy.keep_min);
  report.details->set("retention", retention);
  return Status::Ok();
}

namespace {

Status RestoreOptionsFromFlags(const JobCli& cli, RestoreOptions* o) {
  auto backup = cli.Get("backup");
  if (!backup || backup->empty()) return Status::BadInput("--backup SET is required", "see bamort-backup --list");
  std::string from = cli.GetOr("from", "sql");
  if (from != "sql" && from != "json") return Status::BadInput("--from must be sql or json, not '" + from + "'");
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(LockTimeoutSeconds(cli, &lock_timeout));
  o->backup = *backup;
  o->from = from == "sql" ? RestoreSource::kSqlDump : RestoreSource::kJsonExport;
  o->target_db = cli.GetOr("target-db", "");
  o->replace = cli.Has("replace");
  o->lock_timeout_seconds = static_cast<int>(lock_timeout);
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
  if (!r.compared) return;
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

Status RunRestore(const JobCli& cli, JobRun* run) {
  ::signal(SIGPIPE, SIG_IGN);
  RestoreOptions options;
  BAMORT_RETURN_IF_ERROR(RestoreOptionsFromFlags(cli, &options));
  BAMORT_RETURN_IF_ERROR(DdlLockWaitFromFlags(cli, run, &options.lock_wait));
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
