// CompareSchema: what differs between an expected schema and a live one, as findings
// grouped by kind. Missing or different objects fail; objects the expected schema does
// not know (leftover tables of old names, extra columns or indexes) are warnings,
// because Bamort's own AutoMigrate leaves such things behind and they do no harm.
#pragma once

#include <string>
#include <vector>

#include "schema/schema_model.h"

namespace bamort {

enum class FindingKind {
  kMissingTable, kUnexpectedTable,
  kMissingColumn, kColumnMismatch, kUnexpectedColumn,
  kMissingIndex, kIndexMismatch, kUnexpectedIndex,
  kMissingForeignKey, kForeignKeyMismatch, kUnexpectedForeignKey,
};

struct SchemaFinding {
  FindingKind kind;
  std::string table;
  std::string object;  // column, index or FK name; empty for tables
  std::string detail;  // "expected X, found Y"
  bool failing() const;
  std::string Describe() const;
};

std::vector<SchemaFinding> CompareSchema(const SchemaSpec& expected, const SchemaSpec& live);

}  // namespace bamort
