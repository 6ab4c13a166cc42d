// Files compiled into the binaries at build time: cmake/embed_files.cmake generates one
// function per set (the migrations, the expected schemas), so what a binary checks and
// applies cannot drift from the files it was built from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bamort {

struct EmbeddedFile {
  std::string name;
  std::string_view content;
};

// migrations/*.sql
const std::vector<EmbeddedFile>& EmbeddedMigrationFiles();
// lib/schema/expected/*.json
const std::vector<EmbeddedFile>& EmbeddedSchemaFiles();

}  // namespace bamort
