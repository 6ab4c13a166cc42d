// Master-data export: reads every declared entity from the database into a format-2.0
// MasterDataDocument, without ids: references are written as the natural key of the row
// they point to ("" when there is none), embedded links inside their parent record.
// Order is stable and independent of ids where keys differ: ORDER BY the natural key
// under the collation, then id (which only orders rows whose keys are equal).
// Reads only; no lock needed. Not thread-safe (one Connection).
#pragma once

#include <string>

#include "common/status.h"
#include "db/connection.h"
#include "masterdata/document.h"

namespace bamort::masterdata {

struct ExportOptions {
  std::string game_system = kDefaultGameSystem;  // label written into the document
  std::string backend_version;
  std::string timestamp;  // RFC 3339
};

Status ExportMasterData(Connection* conn, const ExportOptions& options, MasterDataDocument* out);

// SOURCE_DATE_EPOCH when set (reproducible exports), else now; RFC 3339 UTC.
std::string ExportTimestamp(int64_t* unix_seconds = nullptr);

}  // namespace bamort::masterdata
