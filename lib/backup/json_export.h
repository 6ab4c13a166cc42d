// The JSON part of a backup set: every table of the database, every row, as one gzip
// JSON Lines stream (export.jsonl.gz), written through Connection::QueryEach so a table
// never has to fit in memory. It carries each table's SHOW CREATE TABLE text, so the
// JSON export alone can rebuild the database when the SQL dump is lost.
//
// Lines, in order (docs/BACKUP.md has the full description):
//   {"format":"bamort-json-export","format_version":1,"database":..,"created_at":..}
//   {"table":NAME,"create":DDL,"columns":[{"name":..,"type":..,"encoding":"text"|"base64"}]}
//   [v1, v2, ...]                one line per row: strings exactly as the server sends
//                                them (numbers too: no precision is lost for unsigned
//                                64-bit ids or DECIMAL), null for NULL, base64 text for
//                                binary columns (BLOB, BINARY, BIT)
//   {"end":NAME,"rows":N}
//   {"view":NAME,"create":DDL}   after all tables
//   {"end_of_export":true,"tables":N,"rows":M}
// Generated columns are left out (the server computes them again). TIMESTAMPs are read
// and written in UTC. Not thread-safe (uses one connection).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "backup/gzip_file.h"
#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct JsonExportResult {
  std::map<std::string, uint64_t> rows;  // per table
  uint64_t json_bytes = 0;
  uint64_t gzip_bytes = 0;
  std::string sha256;
};

// Exports conn's current database (config().name) into out_path (created 0600). The
// caller opens the snapshot transaction; created_at is written into the header.
Status ExportJson(Connection* conn, const std::string& out_path, const std::string& created_at,
                  const std::function<void(const std::string& table, uint64_t rows)>& on_table,
                  JsonExportResult* result);

// Recreates the tables and views of an export in conn's current database (which the
// caller has emptied) and loads every row. on_table is called after each table.
Status ImportJson(Connection* conn, const std::string& path,
                  const std::function<void(const std::string& table, uint64_t rows)>& on_table);

}  // namespace bamort
