// SchemaSpec: a database schema as data: tables, columns (type, nullability, default,
// extra), indexes (PRIMARY included), foreign keys. The same structure describes what
// information_schema shows (introspect.h) and what a DB version must look like
// (expected_schema.h), so the two can be compared field by field.
//
// Values are kept exactly as MariaDB's information_schema reports them (COLUMN_TYPE,
// COLUMN_DEFAULT as an SQL expression such as 'standard' with quotes, NULL, 1), so a
// spec can also be turned back into DDL (additive_repair.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "common/status.h"

namespace bamort {

struct ColumnSpec {
  std::string name;
  std::string type;      // COLUMN_TYPE, e.g. "bigint(20) unsigned"
  bool nullable = true;
  std::optional<std::string> default_value;  // COLUMN_DEFAULT; nullopt = no default
  std::string extra;     // e.g. "auto_increment"
  bool operator==(const ColumnSpec& o) const {
    return name == o.name && type == o.type && nullable == o.nullable && default_value == o.default_value &&
           extra == o.extra;
  }
  std::string Describe() const;  // "bigint(20) unsigned NOT NULL DEFAULT 1 auto_increment"
};

struct IndexSpec {
  std::string name;  // "PRIMARY" for the primary key
  std::vector<std::string> columns;
  bool unique = false;
  bool operator==(const IndexSpec& o) const { return name == o.name && columns == o.columns && unique == o.unique; }
  std::string Describe() const;
};

struct ForeignKeySpec {
  std::string name;
  std::vector<std::string> columns;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  std::string on_update;  // CASCADE, RESTRICT, SET NULL, NO ACTION
  std::string on_delete;
  bool operator==(const ForeignKeySpec& o) const {
    return name == o.name && columns == o.columns && ref_table == o.ref_table && ref_columns == o.ref_columns &&
           on_update == o.on_update && on_delete == o.on_delete;
  }
  std::string Describe() const;
};

struct TableSpec {
  std::string name;
  std::vector<ColumnSpec> columns;  // in ordinal order
  std::vector<IndexSpec> indexes;   // sorted by name
  std::vector<ForeignKeySpec> foreign_keys;  // sorted by name

  const ColumnSpec* FindColumn(const std::string& n) const;
  const IndexSpec* FindIndex(const std::string& n) const;
  const ForeignKeySpec* FindForeignKey(const std::string& n) const;
  const IndexSpec* PrimaryKey() const { return FindIndex("PRIMARY"); }
};

struct SchemaSpec {
  std::string version;        // DB version ("0.5.0"), empty for a live schema
  int64_t migration_number = 0;
  std::vector<TableSpec> tables;  // sorted by name

  const TableSpec* FindTable(const std::string& n) const;

  Poco::JSON::Object::Ptr ToJson() const;
  std::string ToJsonText() const;
  static Status FromJson(const std::string& text, const std::string& source, SchemaSpec* out);
};

}  // namespace bamort
