// Validator: compares the live database with the expected schema of the DB version it
// claims, and checks its data and version tables. Every check has a stable name
// ("schema.columns", "orphans.char_skills.fk_char_chars_fertigkeiten", ...), a status
// (pass, warn, fail) and a detail; warnings never fail the run. Read-only.
#pragma once

#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "db/connection.h"
#include "migrate/migration.h"
#include "schema/schema_compare.h"
#include "schema/schema_model.h"

namespace bamort {

struct CheckResult {
  std::string name;
  std::string status;  // pass | warn | fail
  std::string detail;
  std::vector<std::string> items;  // one line per finding, or example ids
};

struct ValidationResult {
  std::string db_version;  // the version the database claims, "" if none
  int64_t migration_number = 0;
  std::vector<CheckResult> checks;
  std::vector<SchemaFinding> schema_findings;  // for --repair-additive
  SchemaSpec expected;                          // the schema compared against

  int Count(const std::string& status) const;
  Poco::JSON::Object::Ptr ToJson() const;
  std::string Summary() const;  // one line per warn/fail check, then the counts
};

// kPrecondition when the database has no version at all or is dirty (no expected schema
// to compare with); otherwise ok, with the outcome in *out.
Status ValidateDatabase(Connection* conn, const std::vector<Migration>& migrations, ValidationResult* out);

}  // namespace bamort
