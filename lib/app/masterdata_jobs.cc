#include "app/masterdata_jobs.h"

#include <iostream>

#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "migrate/version_status.h"
#include "build_info.h"
#include "masterdata/document.h"
#include "masterdata/deployment_package.h"
#include "masterdata/exporter.h"
#include "masterdata/importer.h"
#include "migrate/migration_source.h"

namespace bamort {

ExportFlags::ExportFlags(JobCli* cli)
    : out(cli->AddText("out", "DIR|FILE.json", "where to write the export (required)")),
      game_system(cli->AddText("game-system", "CODE", "game system code written into the export (default M5)")) {}

PrepareFlags::PrepareFlags(JobCli* cli)
    : out(cli->AddText("out", "FILE.tar.gz",
                       "the package to write (required), e.g. deployment_package_0.2.2.tar.gz")),
      from(cli->AddText("from", "DIR|FILE", "package this export instead of exporting from the database")),
      game_system(cli->AddText("game-system", "CODE", "game system code written into the export (default M5)")),
      migrations_dir(DeclareMigrationsDir(cli)) {}

ImportFlags::ImportFlags(JobCli* cli)
    : source(cli->AddText("source", "PACKAGE|DIR|FILE", "what to import (required)")),
      check_only(cli->AddSwitch("check-only",
                                "read and check the source as the import does (every record against its declared "
                                "types and columns), without a database: exit 0 sound, 2 naming file, record and "
                                "field")),
      prune(cli->AddSwitch("prune", "delete rows that exist only in the database")),
      overwrite_with_sample_data(cli->AddSwitch(
          "overwrite-with-sample-data",
          "import the shipped sample set (Beispieldaten) even though the database holds master data")),
      allow_large_changes(cli->AddSwitch("allow-large-changes",
                                         "go on when more than --max-change-percent of a table's rows would change")),
      max_change_percent(cli->AddInt("max-change-percent", "N",
                                     "refuse updates + deletions above N % of a table's rows (default 20)",
                                     masterdata::ChangeGuardOptions().max_change_percent, 0, 100)),
      lock_timeout(DeclareLockTimeout(cli)) {}

namespace {

// The DB version for metadata.json; "" when it cannot be told.
std::string DbVersion(const TextFlag& migrations_dir, Connection* conn) {
  std::vector<Migration> migrations;
  if (!LoadMigrations(migrations_dir, &migrations).ok()) return "";
  VersionStatus vs;
  if (!ReadVersionStatus(conn, migrations, &vs).ok()) return "";
  return vs.compat.actual_version.value_or("");
}

}  // namespace

Status RunExportMasterData(const JobCli& cli, const ExportFlags& flags, JobRun* run) {
  auto out = flags.out.value();
  if (!out) return Status::BadInput("--out DIR is required (a .json path writes the single-document form)");
  masterdata::ExportOptions options;
  options.game_system = flags.game_system.value_or(masterdata::kDefaultGameSystem);
  options.backend_version = kBackendVersion;
  run->report().inputs->set("game_system", options.game_system);
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  masterdata::MasterDataDocument doc;
  options.timestamp = masterdata::ExportTimestamp();
  BAMORT_RETURN_IF_ERROR(masterdata::ExportMasterData(conn.get(), options, &doc));
  BAMORT_RETURN_IF_ERROR(masterdata::WriteExport(doc, *out));
  uint64_t total = 0;
  run->report().details->set("export_version", doc.export_version);
  run->report().details->set("records", masterdata::RecordCountsJson(doc, &total));
  run->report().details->set("total_records", total);
  run->report().outputs->set("masterdata", *out);
  spdlog::info("exported {} master-data records to {}", total, *out);
  return Status::Ok();
}

Status RunPrepare(const JobCli& cli, const PrepareFlags& flags, JobRun* run) {
  auto out = flags.out.value();
  if (!out) return Status::BadInput("--out FILE is required, e.g. deployment_package_" + std::string(kBackendVersion) +
                                    ".tar.gz");
  masterdata::PrepareOptions options;
  options.out = *out;
  options.from = flags.from.value();
  options.game_system = flags.game_system.value_or(masterdata::kDefaultGameSystem);
  options.backend_version = kBackendVersion;
  options.tool_version = kToolVersion;
  masterdata::PrepareDeps deps;
  deps.open_database = [run](std::unique_ptr<Connection>* conn) { return OpenDatabase(run, conn); };
  deps.db_version = [&flags](Connection* conn) { return DbVersion(flags.migrations_dir, conn); };
  deps.warn = [run](const std::string& w) { run->Warn(w); };
  if (options.from) run->report().inputs->set("from", *options.from);
  masterdata::PrepareResult result;
  BAMORT_RETURN_IF_ERROR(masterdata::PreparePackage(options, deps, &result));
  run->report().details = result.metadata;
  run->report().outputs->set("package", *out);
  spdlog::info("wrote {} ({} master-data records)", *out, result.total_records);
  if (result.sample)
    spdlog::warn("{} holds the SAMPLE master data shipped with bamort-deploy; bamort-import-masterdata refuses it on "
                 "a database that already holds master data", *out);
  return Status::Ok();
}

Status RunImportMasterDataJob(const JobCli& cli, const ImportFlags& flags, JobRun* run) {
  auto source = flags.source.value();
  if (!source) return Status::BadInput("--source PACKAGE|DIR|FILE is required");
  ImportOptions options;
  BAMORT_RETURN_IF_ERROR(ImportOptionsFromFlags(flags, cli.dry_run(), *source, &options));
  auto& inputs = run->report().inputs;
  inputs->set("source", *source);
  inputs->set("prune", options.prune);
  inputs->set("dry_run", options.dry_run);
  inputs->set("overwrite_with_sample_data", options.sample_intended);
  inputs->set("allow_large_changes", options.change_guard.allow_large_changes);
  inputs->set("max_change_percent", options.change_guard.max_change_percent);
  if (flags.check_only.on()) {
    // deploy.sh's package check: the import's own reading and checks, no database.
    inputs->set("check_only", true);
    ImportResult result;
    Status s = CheckMasterDataSource(options, &result);
    run->report().details = result.ToJson();
    for (const std::string& w : result.warnings) run->Warn(w);
    if (s.ok()) spdlog::info("{}: {} records checked, nothing was imported (--check-only)", *source, result.TotalInFile());
    return s;
  }
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  std::vector<Migration> migrations;
  VersionStatus vs;
  if (EmbeddedMigrationSource()->Load(&migrations).ok() && ReadVersionStatus(conn.get(), migrations, &vs).ok()) {
    auto& db = run->report().database;  // the import never changes the schema version
    db.version_before = db.version_after = vs.compat.actual_version;
    db.migration_number_before = db.migration_number_after = vs.compat.actual_number;
  }
  ImportResult result;
  Status s = ImportMasterData(conn.get(), options, &result);
  run->report().details = result.ToJson();
  for (const std::string& w : result.warnings) run->Warn(w);
  if (s.ok()) {
    spdlog::info("{}: {}{}", *source, ImportCountsLine(result),
                 options.dry_run ? " (dry run: rolled back, nothing changed)" : "");
  }
  return s;
}

Status ImportOptionsFromFlags(const ImportFlags& flags, bool dry_run, const std::string& source,
                              ImportOptions* options) {
  options->source = source;
  options->dry_run = dry_run;
  options->prune = flags.prune.on();
  options->sample_intended = flags.overwrite_with_sample_data.on();
  options->change_guard.allow_large_changes = flags.allow_large_changes.on();
  if (flags.max_change_percent.declared())
    BAMORT_RETURN_IF_ERROR(flags.max_change_percent.Read(&options->change_guard.max_change_percent));
  // Without the flag: the --lock-timeout default every job has.
  int lock_timeout = 60;
  if (flags.lock_timeout.declared()) BAMORT_RETURN_IF_ERROR(flags.lock_timeout.Read(&lock_timeout));
  options->lock_timeout_seconds = lock_timeout;
  return Status::Ok();
}

std::string ImportCountsLine(const ImportResult& result) {
  uint64_t ins = 0, upd = 0, pruned = 0;
  for (const auto& e : result.entities) {
    ins += e.inserted;
    upd += e.updated;
    pruned += e.pruned;
  }
  return std::to_string(result.TotalInFile()) + " records, " + std::to_string(ins) + " inserted, " +
         std::to_string(upd) + " updated, " + std::to_string(pruned) + " pruned";
}

}  // namespace bamort
