#include "masterdata/deployment_package.h"

#include <sstream>

#include <spdlog/spdlog.h>

#include "common/file_io.h"
#include "common/text.h"
#include "masterdata/exporter.h"
#include "package/package.h"

namespace bamort::masterdata {

namespace {

// The export or the database as a document; *t: the time stamped on the package's entries.
Status ReadSource(const PrepareOptions& options, const PrepareDeps& deps, MasterDataDocument* doc, int64_t* t,
                  std::string* db_version) {
  if (options.from) {
    SourceInfo info;
    BAMORT_RETURN_IF_ERROR(ReadMasterData(*options.from, doc, &info));
    for (const std::string& line : info.transform_log) spdlog::info("transform: {}", line);
    for (const std::string& w : info.warnings)
      if (deps.warn) deps.warn(w);
    ExportTimestamp(t);
    if (doc->timestamp.empty()) doc->timestamp = ExportTimestamp();
    if (doc->backend_version.empty()) doc->backend_version = options.backend_version;
    return Status::Ok();
  }
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(deps.open_database(&conn));
  ExportOptions exported;
  exported.game_system = options.game_system;
  exported.backend_version = options.backend_version;
  exported.timestamp = ExportTimestamp(t);
  BAMORT_RETURN_IF_ERROR(ExportMasterData(conn.get(), exported, doc));
  if (deps.db_version) *db_version = deps.db_version(conn.get());
  return Status::Ok();
}

Poco::JSON::Object::Ptr Metadata(const MasterDataDocument& doc, const PrepareOptions& options,
                                 const std::string& db_version, uint64_t* total) {
  Poco::JSON::Object::Ptr meta = new Poco::JSON::Object(true);
  meta->set("package_format", 1);
  meta->set("export_version", doc.export_version);
  meta->set("backend_version", doc.backend_version);
  meta->set("tool_version", options.tool_version);
  meta->set("db_version", db_version);
  meta->set("created_at", doc.timestamp);
  meta->set("game_system", doc.game_system);
  if (!doc.sample.empty()) meta->set("sample", doc.sample);  // the shipped sample set says so
  meta->set("records", RecordCountsJson(doc, total));
  meta->set("total_records", *total);
  return meta;
}

}  // namespace

Status WriteExport(const MasterDataDocument& doc, const std::string& out) {
  if (EndsWith(out, ".json")) return WriteFileAtomic(out, RenderDocument(doc));
  return WriteDirectory(doc, out);
}

Poco::JSON::Object::Ptr RecordCountsJson(const MasterDataDocument& doc, uint64_t* total) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  *total = 0;
  for (const auto& [name, n] : CountRecords(doc)) {
    o->set(name, n);
    *total += n;
  }
  return o;
}

Status PreparePackage(const PrepareOptions& options, const PrepareDeps& deps, PrepareResult* result) {
  if (!EndsWith(options.out, ".tar.gz")) return Status::BadInput("--out must end in .tar.gz: " + options.out);
  MasterDataDocument doc;
  int64_t t = 0;
  std::string db_version;
  BAMORT_RETURN_IF_ERROR(ReadSource(options, deps, &doc, &t, &db_version));
  result->metadata = Metadata(doc, options, db_version, &result->total_records);
  result->sample = !doc.sample.empty();
  std::ostringstream meta_text;
  result->metadata->stringify(meta_text, 2);
  meta_text << "\n";
  return package::WritePackage(options.out, RenderDirectory(doc), meta_text.str(), t);
}

}  // namespace bamort::masterdata
