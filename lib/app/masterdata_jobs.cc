#include "app/masterdata_jobs.h"

#include <iostream>

#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "migrate/version_status.h"
#include "build_info.h"
#include "common/file_io.h"
#include "masterdata/document.h"
#include "masterdata/exporter.h"
#include "masterdata/importer.h"
#include "migrate/migration_source.h"
#include "package/package.h"

namespace bamort {

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Poco::JSON::Object::Ptr CountsJson(const masterdata::MasterDataDocument& doc, uint64_t* total) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  *total = 0;
  for (const auto& [name, n] : masterdata::CountRecords(doc)) {
    o->set(name, n);
    *total += n;
  }
  return o;
}

// The DB version for metadata.json; "" when it cannot be told.
std::string DbVersion(const JobCli& cli, Connection* conn) {
  std::vector<Migration> migrations;
  if (!LoadMigrations(cli, &migrations).ok()) return "";
  VersionStatus vs;
  if (!ReadVersionStatus(conn, migrations, &vs).ok()) return "";
  return vs.compat.actual_version.value_or("");
}

Status ExportFromDatabase(JobRun* run, Connection* conn, const std::string& game_system,
                          masterdata::MasterDataDocument* doc, int64_t* unix_time) {
  masterdata::ExportOptions options;
  options.game_system = game_system;
  options.backend_version = kBackendVersion;
  options.timestamp = masterdata::ExportTimestamp(unix_time);
  return masterdata::ExportMasterData(conn, options, doc);
}

}  // namespace

Status RunExportMasterData(const JobCli& cli, JobRun* run) {
  auto out = cli.Get("out");
  if (!out) return Status::BadInput("--out DIR is required (a .json path writes the single-document form)");
  std::string game_system = cli.GetOr("game-system", masterdata::kDefaultGameSystem);
  run->report().inputs->set("game_system", game_system);
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  masterdata::MasterDataDocument doc;
  int64_t t = 0;
  BAMORT_RETURN_IF_ERROR(ExportFromDatabase(run, conn.get(), game_system, &doc, &t));
  if (EndsWith(*out, ".json"))
    BAMORT_RETURN_IF_ERROR(WriteFileAtomic(*out, masterdata::RenderDocument(doc)));
  else
    BAMORT_RETURN_IF_ERROR(masterdata::WriteDirectory(doc, *out));
  uint64_t total = 0;
  run->report().details->set("export_version", doc.export_version);
  run->report().details->set("records", CountsJson(doc, &total));
  run->report().details->set("total_records", total);
  run->report().outputs->set("masterdata", *out);
  spdlog::info("exported {} master-data records to {}", total, *out);
  return Status::Ok();
}

Status RunPrepare(const JobCli& cli, JobRun* run) {
  auto out = cli.Get("out");
  if (!out) return Status::BadInput("--out FILE is required, e.g. deployment_package_" + std::string(kBackendVersion) +
                                    ".tar.gz");
  if (!EndsWith(*out, ".tar.gz")) return Status::BadInput("--out must end in .tar.gz: " + *out);
  masterdata::MasterDataDocument doc;
  int64_t t = 0;
  std::string db_version;
  if (auto from = cli.Get("from")) {
    // Package an existing export (2.0, or 1.0 which is transformed first).
    masterdata::SourceInfo info;
    BAMORT_RETURN_IF_ERROR(masterdata::ReadMasterData(*from, &doc, &info));
    for (const std::string& line : info.transform_log) spdlog::info("transform: {}", line);
    for (const std::string& w : info.warnings) run->Warn(w);
    masterdata::ExportTimestamp(&t);
    if (doc.timestamp.empty()) doc.timestamp = masterdata::ExportTimestamp();
    if (doc.backend_version.empty()) doc.backend_version = kBackendVersion;
    run->report().inputs->set("from", *from);
  } else {
    std::unique_ptr<Connection> conn;
    BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
    BAMORT_RETURN_IF_ERROR(
        ExportFromDatabase(run, conn.get(), cli.GetOr("game-system", masterdata::kDefaultGameSystem), &doc, &t));
    db_version = DbVersion(cli, conn.get());
  }
  uint64_t total = 0;
  Poco::JSON::Object::Ptr meta = new Poco::JSON::Object(true);
  meta->set("package_format", 1);
  meta->set("export_version", doc.export_version);
  meta->set("backend_version", doc.backend_version);
  meta->set("tool_version", std::string(kToolVersion));
  meta->set("db_version", db_version);
  meta->set("created_at", doc.timestamp);
  meta->set("game_system", doc.game_system);
  if (!doc.sample.empty()) meta->set("sample", doc.sample);  // the shipped sample set says so
  meta->set("records", CountsJson(doc, &total));
  meta->set("total_records", total);
  std::ostringstream meta_text;
  meta->stringify(meta_text, 2);
  meta_text << "\n";
  BAMORT_RETURN_IF_ERROR(package::WritePackage(*out, masterdata::RenderDirectory(doc), meta_text.str(), t));
  run->report().details = meta;
  run->report().outputs->set("package", *out);
  spdlog::info("wrote {} ({} master-data records)", *out, total);
  if (!doc.sample.empty())
    spdlog::warn("{} holds the SAMPLE master data shipped with bamort-deploy; bamort-import-masterdata refuses it on "
                 "a database that already holds master data", *out);
  return Status::Ok();
}

Status RunImportMasterDataJob(const JobCli& cli, JobRun* run) {
  auto source = cli.Get("source");
  if (!source) return Status::BadInput("--source PACKAGE|DIR|FILE is required");
  ImportOptions options;
  BAMORT_RETURN_IF_ERROR(ImportOptionsFromFlags(cli, *source, &options));
  auto& inputs = run->report().inputs;
  inputs->set("source", *source);
  inputs->set("prune", options.prune);
  inputs->set("dry_run", options.dry_run);
  inputs->set("overwrite_with_sample_data", options.sample_intended);
  inputs->set("allow_large_changes", options.change_guard.allow_large_changes);
  inputs->set("max_change_percent", options.change_guard.max_change_percent);
  if (cli.Declares("check-only") && cli.Has("check-only")) {
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

Status ImportOptionsFromFlags(const JobCli& cli, const std::string& source, ImportOptions* options) {
  auto has = [&](const char* flag) { return cli.Declares(flag) && cli.Has(flag); };
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(LockTimeoutSeconds(cli, &lock_timeout));
  options->source = source;
  options->dry_run = cli.dry_run();
  options->prune = has("prune");
  options->sample_intended = has("overwrite-with-sample-data");
  options->change_guard.allow_large_changes = has("allow-large-changes");
  if (cli.Declares("max-change-percent")) {
    int64_t percent = 0;
    BAMORT_RETURN_IF_ERROR(
        cli.GetInt("max-change-percent", options->change_guard.max_change_percent, 0, 100, &percent));
    options->change_guard.max_change_percent = static_cast<int>(percent);
  }
  options->lock_timeout_seconds = static_cast<int>(lock_timeout);
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
