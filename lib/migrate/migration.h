// Migration: one versioned SQL file, parsed. The file format (docs/MIGRATIONS.md):
//
//   migrations/NNNN_short_name.sql        NNNN = migration number, contiguous from 0001
//   -- version: 0.4.0                     the DB version this migration belongs to
//   -- description: one line
//   -- +up
//   ...statements...
//   -- +down                              or: -- +down irreversible: <why>
//   ...statements...
//
// The checksum is the SHA-256 of the whole file with CRLF normalised to LF, so a
// checkout on Windows does not count as drift.
#pragma once

#include <string>
#include <vector>

#include "common/semver.h"
#include "common/status.h"
#include "db/sql_script.h"

namespace bamort {

struct Migration {
  int64_t number = 0;
  SemVer version;
  std::string name;  // file name
  std::string description;
  std::string checksum;
  std::string up_sql;
  std::string down_sql;
  std::vector<SqlStatement> up;
  std::vector<SqlStatement> down;
  bool has_down = false;
  std::string irreversible_reason;  // set when has_down is false
};

Status ParseMigration(const std::string& file_name, const std::string& content, Migration* out);
std::string NormalizedChecksum(const std::string& content);

}  // namespace bamort
