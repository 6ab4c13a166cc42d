#include "schema/schema_compare.h"

namespace bamort {

bool SchemaFinding::failing() const {
  return kind != FindingKind::kUnexpectedTable && kind != FindingKind::kUnexpectedColumn &&
         kind != FindingKind::kUnexpectedIndex && kind != FindingKind::kUnexpectedForeignKey;
}

std::string SchemaFinding::Describe() const {
  std::string where = object.empty() ? table : table + "." + object;
  switch (kind) {
    case FindingKind::kMissingTable: return "table " + table + " is missing";
    case FindingKind::kUnexpectedTable: return "table " + table + " is not part of the expected schema";
    case FindingKind::kMissingColumn: return "column " + where + " is missing (" + detail + ")";
    case FindingKind::kColumnMismatch: return "column " + where + ": " + detail;
    case FindingKind::kUnexpectedColumn: return "column " + where + " is not expected (" + detail + ")";
    case FindingKind::kMissingIndex: return "index " + where + " is missing (" + detail + ")";
    case FindingKind::kIndexMismatch: return "index " + where + ": " + detail;
    case FindingKind::kUnexpectedIndex: return "index " + where + " is not expected (" + detail + ")";
    case FindingKind::kMissingForeignKey: return "foreign key " + where + " is missing (" + detail + ")";
    case FindingKind::kForeignKeyMismatch: return "foreign key " + where + ": " + detail;
    case FindingKind::kUnexpectedForeignKey: return "foreign key " + where + " is not expected (" + detail + ")";
  }
  return where;
}

std::vector<SchemaFinding> CompareSchema(const SchemaSpec& expected, const SchemaSpec& live) {
  std::vector<SchemaFinding> out;
  for (const TableSpec& want : expected.tables) {
    const TableSpec* have = live.FindTable(want.name);
    if (!have) {
      out.push_back({FindingKind::kMissingTable, want.name, "", ""});
      continue;
    }
    for (const ColumnSpec& c : want.columns) {
      const ColumnSpec* h = have->FindColumn(c.name);
      if (!h) out.push_back({FindingKind::kMissingColumn, want.name, c.name, c.Describe()});
      else if (!(*h == c)) {
        out.push_back({FindingKind::kColumnMismatch, want.name, c.name,
                       "expected " + c.Describe() + ", found " + h->Describe()});
      }
    }
    for (const ColumnSpec& c : have->columns) {
      if (!want.FindColumn(c.name)) out.push_back({FindingKind::kUnexpectedColumn, want.name, c.name, c.Describe()});
    }
    for (const IndexSpec& i : want.indexes) {
      const IndexSpec* h = have->FindIndex(i.name);
      if (!h) out.push_back({FindingKind::kMissingIndex, want.name, i.name, i.Describe()});
      else if (!(*h == i)) {
        out.push_back({FindingKind::kIndexMismatch, want.name, i.name,
                       "expected " + i.Describe() + ", found " + h->Describe()});
      }
    }
    for (const IndexSpec& i : have->indexes) {
      if (!want.FindIndex(i.name)) out.push_back({FindingKind::kUnexpectedIndex, want.name, i.name, i.Describe()});
    }
    for (const ForeignKeySpec& f : want.foreign_keys) {
      const ForeignKeySpec* h = have->FindForeignKey(f.name);
      if (!h) out.push_back({FindingKind::kMissingForeignKey, want.name, f.name, f.Describe()});
      else if (!(*h == f)) {
        out.push_back({FindingKind::kForeignKeyMismatch, want.name, f.name,
                       "expected " + f.Describe() + ", found " + h->Describe()});
      }
    }
    for (const ForeignKeySpec& f : have->foreign_keys) {
      if (!want.FindForeignKey(f.name)) {
        out.push_back({FindingKind::kUnexpectedForeignKey, want.name, f.name, f.Describe()});
      }
    }
  }
  for (const TableSpec& t : live.tables) {
    if (!expected.FindTable(t.name)) out.push_back({FindingKind::kUnexpectedTable, t.name, "", ""});
  }
  return out;
}

}  // namespace bamort
