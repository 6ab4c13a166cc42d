// MigrationSource: where migrations come from. The engine does not care; the embedded
// source (compiled into the binary) is the default, a directory (--migrations-dir) is
// the other. Both return the migrations sorted by number, checked to be contiguous from
// 1 with versions that never go down.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/semver.h"
#include "common/status.h"
#include "migrate/migration.h"

namespace bamort {

class MigrationSource {
 public:
  virtual ~MigrationSource() = default;
  virtual Status Load(std::vector<Migration>* out) const = 0;
  virtual std::string Describe() const = 0;
};

std::unique_ptr<MigrationSource> EmbeddedMigrationSource();
std::unique_ptr<MigrationSource> DirectoryMigrationSource(const std::string& dir);

// The sequence rules every source must satisfy.
Status CheckMigrationSequence(const std::vector<Migration>& migrations, const std::string& source);

// The target version of the last embedded migration: what this build requires.
SemVer RequiredDbVersion();

}  // namespace bamort
