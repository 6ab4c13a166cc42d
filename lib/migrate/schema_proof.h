// SchemaProof: whether the live schema is the expected schema of a DB version. Migrate
// runs it after the last migration of every version it reaches (a mismatch there is a
// failure after changing the database), and status and health run it to tell a
// compatible database from a drifted one (recorded at the version, shaped otherwise).
//
// Only failing findings count (missing or different tables, columns, indexes, FKs);
// objects the expected schema does not know are warnings, as in bamort-validate,
// because Bamort's own AutoMigrate leaves such leftovers and they do no harm.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "schema/schema_compare.h"
#include "schema/schema_model.h"

namespace bamort {

struct SchemaProof {
  bool checked = false;   // false: this build has no expected schema for that migration
  std::string version;
  int64_t migration_number = 0;
  std::vector<SchemaFinding> failing;
  std::vector<SchemaFinding> warnings;
  // The live schema that was compared (set when checked), so a caller that needs it
  // too (bamort-validate) does not read it a second time.
  std::optional<SchemaSpec> live;
  bool ok() const { return failing.empty(); }
  // "3 difference(s): missing column users.role; ..." with at most max_items named.
  std::string Summary(size_t max_items = 5) const;
};

// True when this build has an expected schema describing exactly migration_number of
// version, i.e. the migration is the last one of its version.
bool HasExpectedSchemaAt(const std::string& version, int64_t migration_number);

// Reads the live schema and compares it. An error Status only when reading fails; a
// mismatch is a result (proof->failing), not an error.
Status ProveSchema(Connection* conn, const std::string& version, int64_t migration_number, SchemaProof* proof);

}  // namespace bamort
