// The expected schema of each DB version this build knows, embedded from
// lib/schema/expected/<version>.json. Those files are generated from the migrations
// (scripts/gen-expected-schema.sh: an empty database migrated to each version, then
// introspected) and a test checks that the migrations still produce exactly them, so
// the model and the migrations cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include "common/semver.h"
#include "schema/schema_model.h"

namespace bamort {

// kBadInput when this build has no expected schema for that version.
Status ExpectedSchemaFor(const std::string& version, SchemaSpec* out);
std::vector<std::string> KnownSchemaVersions();

}  // namespace bamort
