// Files compiled into the binaries at build time (cmake/embed_files.cmake generates the
// definition from migrations/*.sql).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bamort {

struct EmbeddedFile {
  std::string name;
  std::string_view content;
};

const std::vector<EmbeddedFile>& EmbeddedMigrationFiles();

}  // namespace bamort
