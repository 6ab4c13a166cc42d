// The two guards that keep a master-data import from overwriting by accident (issue 15):
// - the sample set: the invented master data shipped with the tool (masterdata/,
//   "Beispieldaten") carries a "sample" text in its header, which bamort-prepare copies into
//   a package. Such a source is refused (kPrecondition) when the database already holds
//   master data, unless the operator says it is intended (--overwrite-with-sample-data).
//   The marker decides, never the path.
// - the change share: an import that would update or delete more than max_change_percent
//   of the rows of a table of at least min_rows rows is refused (kPrecondition, per entity
//   "would update N of M rows"), unless --allow-large-changes. Inserts never count.
// Both are checked inside the import's transaction (importer.h), the change share after
// the rows were matched and before COMMIT, so a refusal rolls everything back, and a dry
// run gives the same verdict as the real run. docs/MASTERDATA.md, "Guards".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "masterdata/document.h"
#include "masterdata/import_result.h"

namespace bamort::masterdata {

// The flags that state the intent; named in the refusals' hints.
inline constexpr const char* kSampleIntendedFlag = "--overwrite-with-sample-data";
inline constexpr const char* kLargeChangesFlag = "--allow-large-changes";
inline constexpr const char* kMaxChangePercentFlag = "--max-change-percent";

struct ChangeGuardOptions {
  int max_change_percent = 20;  // more than this share of a table's rows updated or deleted: refused
  uint64_t min_rows = 20;       // tables with fewer rows before the import are never refused
  bool allow_large_changes = false;
};

// "gsm_skills (66 rows)" for every table of a declared entity that has rows, in
// declaration order. Reads only.
Status TablesWithMasterData(Connection* conn, std::vector<std::string>* out);

// kPrecondition (naming the tables that hold rows and the flag) when doc is the sample set
// and the database already holds master data; Ok otherwise or when sample_intended.
Status CheckSampleTarget(Connection* conn, const MasterDataDocument& doc, bool sample_intended);

// Fills report from the entities' counts; kPrecondition listing every entity over the
// share unless options.allow_large_changes. Pure: no database.
Status CheckChangeShare(const ChangeGuardOptions& options, const std::vector<EntityImportCounts>& entities,
                        ChangeGuardReport* report);

}  // namespace bamort::masterdata
