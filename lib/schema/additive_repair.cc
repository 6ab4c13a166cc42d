#include "schema/additive_repair.h"

#include "db/connection.h"

namespace bamort {

namespace {

std::string ColumnList(const std::vector<std::string>& cols) {
  std::string s;
  for (size_t i = 0; i < cols.size(); ++i) s += (i ? ", " : "") + Connection::QuoteIdentifier(cols[i]);
  return s;
}

std::string IndexClause(const IndexSpec& i) {
  if (i.name == "PRIMARY") return "PRIMARY KEY (" + ColumnList(i.columns) + ")";
  return std::string(i.unique ? "UNIQUE KEY " : "KEY ") + Connection::QuoteIdentifier(i.name) + " (" +
         ColumnList(i.columns) + ")";
}

}  // namespace

std::string ColumnDefinitionSql(const ColumnSpec& c) {
  std::string s = Connection::QuoteIdentifier(c.name) + " " + c.type + (c.nullable ? " NULL" : " NOT NULL");
  // information_schema says NULL for "DEFAULT NULL"; a NOT NULL column without a
  // default has no COLUMN_DEFAULT at all.
  if (c.default_value) s += " DEFAULT " + *c.default_value;
  if (!c.extra.empty()) s += " " + c.extra;
  return s;
}

std::string CreateTableSql(const TableSpec& t) {
  std::string s = "CREATE TABLE IF NOT EXISTS " + Connection::QuoteIdentifier(t.name) + " (\n";
  std::vector<std::string> parts;
  for (const ColumnSpec& c : t.columns) parts.push_back("  " + ColumnDefinitionSql(c));
  for (const IndexSpec& i : t.indexes) parts.push_back("  " + IndexClause(i));
  for (const ForeignKeySpec& f : t.foreign_keys) {
    parts.push_back("  CONSTRAINT " + Connection::QuoteIdentifier(f.name) + " FOREIGN KEY (" + ColumnList(f.columns) +
                    ") REFERENCES " + Connection::QuoteIdentifier(f.ref_table) + " (" + ColumnList(f.ref_columns) +
                    ") ON DELETE " + f.on_delete + " ON UPDATE " + f.on_update);
  }
  for (size_t i = 0; i < parts.size(); ++i) s += parts[i] + (i + 1 < parts.size() ? ",\n" : "\n");
  s += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";
  return s;
}

std::vector<std::string> AdditiveRepairStatements(const SchemaSpec& expected,
                                                  const std::vector<SchemaFinding>& findings) {
  std::vector<std::string> tables, columns, indexes;
  for (const SchemaFinding& f : findings) {
    const TableSpec* t = expected.FindTable(f.table);
    if (!t) continue;
    std::string table = Connection::QuoteIdentifier(f.table);
    if (f.kind == FindingKind::kMissingTable) {
      tables.push_back(CreateTableSql(*t));
    } else if (f.kind == FindingKind::kMissingColumn) {
      columns.push_back("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " +
                        ColumnDefinitionSql(*t->FindColumn(f.object)));
    } else if (f.kind == FindingKind::kMissingIndex) {
      const IndexSpec* i = t->FindIndex(f.object);
      if (i->name == "PRIMARY") {
        indexes.push_back("ALTER TABLE " + table + " ADD PRIMARY KEY (" + ColumnList(i->columns) + ")");
      } else {
        indexes.push_back("ALTER TABLE " + table + " ADD " + std::string(i->unique ? "UNIQUE " : "") +
                          "INDEX IF NOT EXISTS " + Connection::QuoteIdentifier(i->name) + " (" +
                          ColumnList(i->columns) + ")");
      }
    }
  }
  std::vector<std::string> out = tables;
  out.insert(out.end(), columns.begin(), columns.end());
  out.insert(out.end(), indexes.begin(), indexes.end());
  return out;
}

}  // namespace bamort
