#include "schema/expected_schema.h"

#include "common/embedded_files.h"

namespace bamort {

Status ExpectedSchemaFor(const std::string& version, SchemaSpec* out) {
  for (const EmbeddedFile& f : EmbeddedSchemaFiles()) {
    if (f.name == version + ".json") return SchemaSpec::FromJson(std::string(f.content), f.name, out);
  }
  std::string known;
  for (const std::string& v : KnownSchemaVersions()) known += (known.empty() ? "" : ", ") + v;
  return Status::BadInput("this build has no expected schema for DB version " + version + " (known: " + known + ")");
}

std::vector<std::string> KnownSchemaVersions() {
  std::vector<std::string> out;
  for (const EmbeddedFile& f : EmbeddedSchemaFiles()) out.push_back(f.name.substr(0, f.name.size() - 5));
  return out;
}

}  // namespace bamort
