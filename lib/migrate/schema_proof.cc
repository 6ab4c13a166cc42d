#include "migrate/schema_proof.h"

#include "schema/expected_schema.h"
#include "schema/introspect.h"

namespace bamort {

std::string SchemaProof::Summary(size_t max_items) const {
  if (failing.empty()) return "schema matches the expected schema of " + version;
  std::string out = std::to_string(failing.size()) + " difference(s) from the expected schema of " + version + ": ";
  for (size_t i = 0; i < failing.size() && i < max_items; ++i) out += (i ? "; " : "") + failing[i].Describe();
  if (failing.size() > max_items) out += "; ... (bamort-validate lists all)";
  return out;
}

bool HasExpectedSchemaAt(const std::string& version, int64_t migration_number) {
  SchemaSpec expected;
  return ExpectedSchemaFor(version, &expected).ok() && expected.migration_number == migration_number;
}

Status ProveSchema(Connection* conn, const std::string& version, int64_t migration_number, SchemaProof* proof) {
  *proof = SchemaProof();
  proof->version = version;
  proof->migration_number = migration_number;
  SchemaSpec expected;
  if (!ExpectedSchemaFor(version, &expected).ok() || expected.migration_number != migration_number) {
    return Status::Ok();
  }
  SchemaSpec live;
  BAMORT_RETURN_IF_ERROR(IntrospectSchema(conn, &live).WithContext("reading the schema to compare it"));
  proof->checked = true;
  for (SchemaFinding& f : CompareSchema(expected, live)) {
    (f.failing() ? proof->failing : proof->warnings).push_back(std::move(f));
  }
  proof->live = std::move(live);
  return Status::Ok();
}

}  // namespace bamort
