#include "app/physical_jobs.h"

#include <signal.h>

#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/Path.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "backup/physical_backup.h"
#include "backup/physical_restore.h"
#include "build_info.h"
#include "common/clock.h"
#include "migrate/migration_source.h"
#include "migrate/version_status.h"

namespace bamort {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr TablesJson(const TableStats& stats) {
  Object::Ptr o = new Object(true);
  for (const auto& [name, st] : stats) {
    Object::Ptr t = new Object(true);
    t->set("rows", st.rows);
    t->set("checksum", st.checksum);
    o->set(name, t);
  }
  return o;
}

// The manifest's header, as the logical backup fills it.
Status ManifestHeader(JobRun* run, Connection* conn, SystemTime now, Manifest* m) {
  std::vector<Migration> migrations;  // bamort-backup has no --migrations-dir
  BAMORT_RETURN_IF_ERROR(EmbeddedMigrationSource()->Load(&migrations));
  VersionStatus vs;
  BAMORT_RETURN_IF_ERROR(ReadVersionStatus(conn, migrations, &vs));
  auto& report = run->report();
  report.database.version_before = report.database.version_after = vs.compat.actual_version;
  report.database.migration_number_before = report.database.migration_number_after = vs.compat.actual_number;
  m->set_name = SetNameFor(conn->config().name, now);
  m->created_at = now;
  m->run_id = run->run_id();
  m->db_host = report.database.host;
  m->db_name = conn->config().name;
  m->db_version = vs.compat.actual_version;
  m->migration_number = vs.compat.actual_number;
  m->server_version = conn->server_version();
  m->tool_version = kToolVersion;
  m->backend_version = kBackendVersion;
  return Status::Ok();
}

void FillBackupDetails(const PhysicalBackupResult& r, JobRun* run) {
  auto& report = run->report();
  for (const std::string& w : r.warnings) run->Warn(w);
  report.details->set("kind", "physical");
  report.details->set("set", r.manifest.set_name);
  report.details->set("set_path", r.set_dir);
  report.details->set("datadir", r.datadir);
  report.details->set("mariadb_backup", r.tool.path);
  report.details->set("mariadb_backup_version", r.tool.version);
  report.details->set("changed_during_backup", StringsJson(r.changed_during_backup));
  report.details->set("differences", StringsJson(r.differences));
  if (r.manifest.physical) report.details->set("position", r.manifest.physical->getObject("position"));
  Object::Ptr timings = new Object(true);
  timings->set("copy_ms", r.copy_ms);
  timings->set("prepare_ms", r.prepare_ms);
  timings->set("open_ms", r.open_ms);
  timings->set("compare_ms", r.compare_ms);
  report.details->set("timings", timings);
  report.details->set("stream_bytes", r.stream_bytes);
  if (!r.partial_dir.empty()) report.details->set("partial_path", r.partial_dir);
}

void FillRetention(const PhysicalBackupOptions& o, const PhysicalBackupResult& r, JobRun* run) {
  Object::Ptr retention = new Object(true);
  if (!o.retention) retention->set("skipped", true);
  if (r.retention_ran) {
    retention->set("kept", StringsJson(r.retention.kept));
    retention->set("deleted", StringsJson(r.retention.deleted));
    retention->set("partials_deleted", StringsJson(r.retention.partials_deleted));
    for (const std::string& d : r.retention.deleted) spdlog::info("retention: deleted {}", d);
  }
  retention->set("retention_days", o.policy.retention_days);
  retention->set("keep_min", o.policy.keep_min);
  run->report().details->set("retention", retention);
}

}  // namespace

PhysicalBackupFlags AddPhysicalBackupFlags(JobCli* cli) {
  PhysicalBackupFlags f;
  f.physical = cli->AddSwitch("physical", "copy the server's files with its own mariadb-backup instead of dumping (needs the "
                                          "data directory on this host, RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR); "
                                          "always verified in a private MariaDB (docs/BACKUP.md)");
  f.mariadb_backup = cli->AddText("mariadb-backup", "PATH", "the mariadb-backup to use (default: the one on PATH; it "
                                                            "must be of the server's version)");
  f.datadir_mounted = cli->AddSwitch("datadir-mounted", "with --physical: the server runs elsewhere (e.g. a sibling "
                                                        "container) and its data directory is mounted here at the "
                                                        "path the server reports");
  return f;
}

PhysicalRestoreFlags AddPhysicalRestoreFlags(JobCli* cli) {
  PhysicalRestoreFlags f;
  f.physical = cli->AddSwitch("physical", "emergency restore of a physical set: replaces the whole data directory of a "
                                          "stopped server (docs/BACKUP.md)");
  f.datadir = cli->AddText("datadir", "DIR", "with --physical: the stopped server's data directory (required)");
  f.start_command = cli->AddText("start-command", "CMD", "with --physical: how to start the server afterwards, run by "
                                                         "/bin/sh -c, e.g. 'systemctl start mariadb' (required)");
  f.check_only = cli->AddSwitch("check-only", "with --physical: only check the set (every file's sha256) and "
                                              "mariadb-backup's version; the server may run, nothing is touched");
  f.start_timeout = cli->AddInt("start-timeout", "SECONDS", "with --physical: wait this long for the started server",
                                300, 1, 86400);
  f.mariadb_backup = cli->AddText("mariadb-backup", "PATH", "with --physical: the mariadb-backup that prepares the copy "
                                                            "(default: the one on PATH; it must be of the set's version)");
  return f;
}

Status RunPhysicalBackup(const JobCli& cli, const BackupFlags& backup, const PhysicalBackupFlags& flags,
                         JobRun* run) {
  ::signal(SIGPIPE, SIG_IGN);
  if (backup.json.on()) return Status::BadInput("--json only goes with --list");
  if (backup.verify_in.value_or("") == "scratch") {
    return Status::BadInput("--physical verifies in a private MariaDB only; --verify-in scratch does not apply");
  }
  PhysicalBackupOptions o;
  o.out_dir = BackupOutDir(backup);
  BAMORT_RETURN_IF_ERROR(backup.retention_days.Read(&o.policy.retention_days));
  BAMORT_RETURN_IF_ERROR(backup.keep_min.Read(&o.policy.keep_min));
  BAMORT_RETURN_IF_ERROR(backup.lock_timeout.Read(&o.lock_timeout_seconds));
  o.retention = !backup.no_retention.on();
  o.mariadb_backup = flags.mariadb_backup.value_or("");
  o.datadir_mounted = flags.datadir_mounted.on();
  BAMORT_RETURN_IF_ERROR(VerifyServerFromFlags(backup, &o.server));
  o.dry_run = cli.dry_run();
  o.now = Now();
  auto& report = run->report();
  report.inputs->set("physical", true);
  report.inputs->set("out_dir", o.out_dir);
  report.inputs->set("retention", o.retention);
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  o.config = conn->config();
  BAMORT_RETURN_IF_ERROR(ManifestHeader(run, conn.get(), o.now, &o.manifest));
  PhysicalBackupResult r;
  Status s = MakePhysicalBackup(conn.get(), o, &r);
  FillBackupDetails(r, run);
  if (!s.ok()) return s;
  if (o.dry_run) {
    for (const std::string& line : r.dry_run_lines) std::cout << line << "\n";
    return Status::Ok();
  }
  report.outputs->set("backup_set", r.set_dir);
  report.outputs->set("manifest", r.set_dir + "/manifest.json");
  report.details->set("files", r.manifest.ToJson()->getArray("files"));
  report.details->set("tables", TablesJson(r.manifest.tables));
  report.details->set("verified", r.manifest.verified);
  report.details->set("verification", r.manifest.verification);
  report.details->set("created_at", FormatRfc3339(r.manifest.created_at));
  FillRetention(o, r, run);
  spdlog::info("physical backup set {} complete ({} tables verified)", r.set_dir, r.manifest.tables.size());
  return Status::Ok();
}

Status RunPhysicalRestore(const JobCli& cli, const RestoreFlags& restore, const PhysicalRestoreFlags& flags,
                          JobRun* run) {
  ::signal(SIGPIPE, SIG_IGN);
  PhysicalRestoreOptions o;
  auto backup = restore.backup.value();
  if (!backup || backup->empty()) return Status::BadInput("--backup SET is required", "see bamort-backup --list");
  const FlagHandle* logical_only[] = {&restore.from, &restore.target_db, &restore.replace};
  for (const FlagHandle* f : logical_only) {
    if (f->given()) return Status::BadInput("--" + f->name() + " does not go with --physical");
  }
  o.set_dir = *backup;
  o.manifest_path = o.set_dir + "/manifest.json";
  if (o.set_dir.size() > 14 && o.set_dir.compare(o.set_dir.size() - 14, 14, "/manifest.json") == 0) {
    o.manifest_path = o.set_dir;
    o.set_dir = o.set_dir.substr(0, o.set_dir.size() - 14);
  }
  o.datadir = flags.datadir.value_or("");
  o.start_command = flags.start_command.value_or("");
  o.check_only = flags.check_only.on();
  if (o.check_only) o.start_command = "true";
  if (o.check_only && o.datadir.empty()) o.datadir = "/";
  if (o.datadir.empty()) return Status::BadInput("--physical needs --datadir DIR (the stopped server's data directory)");
  if (o.start_command.empty()) {
    return Status::BadInput("--physical needs --start-command CMD (how to start the server, e.g. 'systemctl start "
                            "mariadb')");
  }
  while (o.datadir.size() > 1 && o.datadir.back() == '/') o.datadir.pop_back();
  o.datadir = Poco::Path(o.datadir).absolute().toString();
  int64_t timeout = 0;
  BAMORT_RETURN_IF_ERROR(flags.start_timeout.Read(&timeout));
  o.start_timeout_seconds = static_cast<int>(timeout);
  o.mariadb_backup = flags.mariadb_backup.value_or("");
  o.dry_run = cli.dry_run();
  o.now = Now();
  auto& report = run->report();
  report.inputs->set("physical", true);
  report.inputs->set("backup", o.set_dir);
  report.inputs->set("datadir", o.datadir);
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&o.config, false));
  PhysicalRestoreResult r;
  Status s = RestorePhysical(o, &r);
  report.details->set("kind", "physical");
  report.details->set("set", r.manifest.set_name);
  report.details->set("set_path", o.set_dir);
  report.details->set("set_database", r.manifest.db_name);
  report.details->set("file_problems", StringsJson(r.file_problems));
  report.details->set("old_datadir", r.files_moved ? Poco::Dynamic::Var(r.old_datadir) : Poco::Dynamic::Var());
  report.details->set("files_moved", r.files_moved);
  report.details->set("differences", StringsJson(r.differences));
  report.details->set("tables", TablesJson(r.restored));
  Object::Ptr timings = new Object(true);
  for (const auto& [k, v] : {std::pair<const char*, int64_t>{"check_ms", r.check_ms}, {"unpack_ms", r.unpack_ms},
                             {"prepare_ms", r.prepare_ms}, {"start_ms", r.start_ms}, {"compare_ms", r.compare_ms}}) {
    timings->set(k, v);
  }
  report.details->set("timings", timings);
  if (r.files_moved) {
    report.database.name = r.manifest.db_name;
    report.database.version_after = r.manifest.db_version;
    report.database.migration_number_after = r.manifest.migration_number;
  }
  if (!s.ok()) return s;
  for (const std::string& line : r.dry_run_lines) std::cout << line << "\n";
  if (o.check_only) {
    std::cout << "the physical set " << o.set_dir << " is whole (every file as its manifest says) and "
              << "mariadb-backup " << r.manifest.physical->optValue<std::string>("tool_version", "") << " can restore it\n";
  } else if (!o.dry_run) {
    std::cout << "restored " << o.set_dir << " into " << o.datadir << "; " << r.manifest.tables.size()
              << " tables equal to the manifest. The previous data directory is kept in " << r.old_datadir
              << ": delete it when you no longer need it.\n";
  }
  return Status::Ok();
}

}  // namespace bamort
