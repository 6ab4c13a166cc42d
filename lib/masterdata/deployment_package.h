// The export and prepare workflows (bamort-export-masterdata, bamort-prepare): where an
// export is written, and the deployment package built from the database or from an
// existing export (docs/MASTERDATA.md, "Packages"): masterdata/ in format 2.0,
// metadata.json (formats, versions, record counts, the sample marker) and checksums.txt,
// written reproducibly (package/package.h). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <Poco/JSON/Object.h>

#include "common/status.h"
#include "db/connection.h"
#include "masterdata/document.h"

namespace bamort::masterdata {

// out ending in .json: the single-document form; anything else: the 2.0 directory.
Status WriteExport(const MasterDataDocument& doc, const std::string& out);

// {"<entity>": records, ...} in declaration order, and their sum in *total.
Poco::JSON::Object::Ptr RecordCountsJson(const MasterDataDocument& doc, uint64_t* total);

struct PrepareOptions {
  std::string out;                       // the package, ending in .tar.gz
  std::optional<std::string> from;       // an export (2.0, or 1.0 transformed); nullopt: the database
  std::string game_system = kDefaultGameSystem;  // exporting from the database
  std::string backend_version;           // of this build: the export's, and a source's without one
  std::string tool_version;
};

struct PrepareDeps {
  // The database, opened only when no `from` was given, and its DB version for
  // metadata.json ("" when it cannot be told).
  std::function<Status(std::unique_ptr<Connection>*)> open_database;
  std::function<std::string(Connection*)> db_version;
  // Warnings for the report (each may be empty = not wanted).
  std::function<void(const std::string&)> warn;
};

struct PrepareResult {
  Poco::JSON::Object::Ptr metadata;  // metadata.json as written (null before it was built)
  uint64_t total_records = 0;
  bool sample = false;               // the package holds the sample set shipped with the tool
};

// kBadInput for an out not ending in .tar.gz or an unreadable source.
Status PreparePackage(const PrepareOptions& options, const PrepareDeps& deps, PrepareResult* result);

}  // namespace bamort::masterdata
