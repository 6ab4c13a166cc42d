#include "masterdata/importer.h"

#include <memory>

#include <spdlog/spdlog.h>

#include "db/named_lock.h"
#include "masterdata/document.h"
#include "masterdata/entities.h"
#include "masterdata/entity_importer.h"

namespace bamort {

namespace {

// The id of the document's game system; kPrecondition before 0.5.0, kBadInput for an unknown code.
Status GameSystemId(Connection* conn, const std::string& code, Value* id) {
  Status s = conn->QueryValue(
      "SELECT `id` FROM `game_systems` WHERE `code` = " + conn->Quote(code) + " ORDER BY `id` LIMIT 1", id);
  if (!s.ok() && s.db_errno() == dberr::kNoSuchTable)
    return Status::Precondition("the database has no game_systems table (DB version below 0.5.0)",
                                "run bamort-migrate first");
  if (s.ok() && !*id)
    return Status::BadInput("game_system '" + code + "' of the master data is not in game_systems",
                            "the migrations seed 'M5'; use that code in the export's game_system");
  return s;
}

void LogChanges(const ImportResult& result) {
  for (const EntityImportCounts& e : result.entities)
    for (const FieldChange& c : e.changes)
      spdlog::info("{} '{}': {} '{}' -> '{}'", e.name, c.key, c.field, c.old_value, c.new_value);
}

// Inside the open transaction: the sample guard, the entities, the change-share guard.
Status ImportInTransaction(Connection* conn, const ImportOptions& options, masterdata::MasterDataDocument* doc,
                           const masterdata::SourceInfo& info, ImportResult* result,
                           std::unique_ptr<masterdata::EntityImporter>* importer) {
  BAMORT_RETURN_IF_ERROR(masterdata::CheckSampleTarget(conn, *doc, options.sample_intended));
  Value gsid;
  BAMORT_RETURN_IF_ERROR(GameSystemId(conn, doc->game_system, &gsid));
  *importer = std::make_unique<masterdata::EntityImporter>(conn, options.prune, *gsid);
  BAMORT_RETURN_IF_ERROR((*importer)->Run(doc, info, result));
  for (const auto& e : (*importer)->entities()) {
    EntityImportCounts c = e->counts;
    if (!e->carried) c.in_file = c.inserted = c.updated = c.unchanged = 0;
    result->entities.push_back(c);
  }
  return masterdata::CheckChangeShare(options.change_guard, result->entities, &result->change_guard);
}

// Reads and checks the whole source before any SQL: bad input never waits for the lock.
Status ReadSource(const ImportOptions& options, masterdata::MasterDataDocument* doc, masterdata::SourceInfo* info,
                  ImportResult* result) {
  PhaseClock clock(result);
  Status read = masterdata::ReadMasterData(options.source, doc, info);
  clock.Lap("read");
  result->source_kind = info->kind;
  result->source_format = info->format;
  result->transform_log = info->transform_log;
  result->warnings = info->warnings;
  BAMORT_RETURN_IF_ERROR(read);
  result->game_system = doc->game_system;
  result->sample = doc->sample;
  for (const std::string& line : info->transform_log) spdlog::info("transform: {}", line);
  if (!doc->sample.empty())
    spdlog::warn("{} is the SAMPLE master data shipped with bamort-deploy: {}", options.source, doc->sample);
  return Status::Ok();
}

Status ImportLocked(Connection* conn, const ImportOptions& options, masterdata::MasterDataDocument* doc,
                    const masterdata::SourceInfo& info, ImportResult* result) {
  BAMORT_RETURN_IF_ERROR(conn->Execute("START TRANSACTION"));
  std::unique_ptr<masterdata::EntityImporter> importer;
  Status s = ImportInTransaction(conn, options, doc, info, result, &importer);
  PhaseClock clock(result);
  if (s.ok() && !options.dry_run) {
    s = conn->Execute("COMMIT");
    result->committed = s.ok();
  } else {
    Status rb = conn->Execute("ROLLBACK");
    if (!rb.ok() && s.ok()) s = rb;
  }
  clock.Lap("commit");
  if (importer) importer->DropTemporary();
  // Counts stay in the result on a guard's refusal (the operator sees what was refused);
  // after any other failure they would describe work that was rolled back half-way.
  if (!s.ok() && s.code() != StatusCode::kPrecondition) result->entities.clear();
  LogChanges(*result);
  if (!s.ok() && s.db_errno() == dberr::kDuplicateEntry)
    return Status::BadInput("the master data collides with a unique index: " + s.message(),
                            "two records whose names differ only in case or accents cannot both exist; "
                            "nothing was written");
  return s;
}

}  // namespace

Status CheckMasterDataSource(const ImportOptions& options, ImportResult* result) {
  result->source = options.source;
  result->dry_run = true;
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  BAMORT_RETURN_IF_ERROR(ReadSource(options, &doc, &info, result));
  for (const auto& [name, n] : masterdata::CountRecords(doc)) {
    EntityImportCounts c;
    c.name = name;
    const masterdata::EntitySpec* spec = masterdata::FindEntity(name);
    if (spec) c.table = spec->table;
    c.in_file = n;
    result->entities.push_back(c);
  }
  return Status::Ok();
}

Status ImportMasterData(Connection* conn, const ImportOptions& options, ImportResult* result) {
  result->source = options.source;
  result->dry_run = options.dry_run;
  if (options.change_guard.max_change_percent < 0 || options.change_guard.max_change_percent > 100)
    return Status::BadInput(std::string(masterdata::kMaxChangePercentFlag) + ": a whole number from 0 to 100");
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  BAMORT_RETURN_IF_ERROR(ReadSource(options, &doc, &info, result));
  if (!options.lock_timeout_seconds) return ImportLocked(conn, options, &doc, info, result);
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.AcquireDeployment(conn, *options.lock_timeout_seconds));
  Status s = ImportLocked(conn, options, &doc, info, result);
  lock.Release().ok();  // the connection closes after the job anyway; the outcome is the import's
  return s;
}

}  // namespace bamort
