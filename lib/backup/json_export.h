// The JSON part of a backup set: every table of the database, every row, as one gzip
// JSON Lines stream (export.jsonl.gz). It carries each table's SHOW CREATE TABLE text, so
// the JSON export alone can rebuild the database when the SQL dump is lost.
//
// The rows are not read from the server a second time: DumpJsonExporter is fed the rows
// of mariadb-dump's output (dump_stream.h) while the dump streams into dump.sql.gz, so
// the export holds exactly the rows of the dump, from the same snapshot, and the server
// reads each table once. The tables' DDL and column types are read before the dump
// (ReadExportMeta); the deployment lock keeps DDL out until the backup is done.
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
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "backup/dump_stream.h"
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

struct ExportColumn {
  std::string name;
  std::string type;     // COLUMN_TYPE, e.g. "bigint(20) unsigned"
  bool binary = false;  // base64 in the export
  bool generated = false;  // in the dump's VALUES, left out of the export
};

struct ExportTableMeta {
  std::string name;
  std::string create;  // SHOW CREATE TABLE
  std::vector<ExportColumn> columns;  // all columns, in table order
};

struct ExportMeta {
  std::vector<ExportTableMeta> tables;  // base tables, by name
  std::vector<std::pair<std::string, std::string>> views;  // name, SHOW CREATE VIEW
};

// kPrecondition naming the first table of database a backup set cannot hold as it is: a
// system-versioned table (mariadb-dump writes its current rows only, so its history would
// be lost), or a FLOAT column (without decimals) holding a value with more significant
// digits than the server writes as text (6), which every restore would change.
Status CheckExportable(Connection* conn, const std::string& database);

// The DDL and columns of every table and view of conn's current database (after
// CheckExportable).
Status ReadExportMeta(Connection* conn, ExportMeta* out);

// Writes export.jsonl.gz from the rows of the dump. Every table of meta must get a data
// section in the dump, and no other table may; Finish() fails otherwise.
class DumpJsonExporter : public DumpRowListener {
 public:
  Status Open(const std::string& out_path, const std::string& database, const std::string& created_at,
              const ExportMeta* meta, const std::function<void(const std::string& table, uint64_t rows)>& on_table);
  Status OnTableStart(const std::string& table) override;
  Status OnRow(const std::string& table, const std::vector<std::optional<std::string>>& values) override;
  Status OnTableEnd(const std::string& table, uint64_t rows) override;
  Status Finish(JsonExportResult* result);

 private:
  GzipFileWriter out_;
  const ExportMeta* meta_ = nullptr;
  std::function<void(const std::string&, uint64_t)> on_table_;
  const ExportTableMeta* current_ = nullptr;
  std::map<std::string, uint64_t> rows_;
  uint64_t total_rows_ = 0;
  std::string line_;
};

// Recreates the tables and views of an export in conn's current database (which the
// caller has emptied) and loads every row. on_table is called after each table.
Status ImportJson(Connection* conn, const std::string& path,
                  const std::function<void(const std::string& table, uint64_t rows)>& on_table);

}  // namespace bamort
