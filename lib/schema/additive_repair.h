// The safety net in the manner of GORM's AutoMigrate: the statements that create the
// missing tables and add the missing columns and indexes of an expected schema. It never
// drops or changes anything that exists; mismatched columns stay for a human.
// Foreign keys are created with new tables only: adding one to a table that already
// holds rows could fail on orphans halfway through a repair.
#pragma once

#include <string>
#include <vector>

#include "schema/schema_compare.h"
#include "schema/schema_model.h"

namespace bamort {

std::string CreateTableSql(const TableSpec& table);
std::string ColumnDefinitionSql(const ColumnSpec& column);
// Statements in a safe order: tables (FK checks are off for the repair session, so
// their order does not matter), then columns, then indexes.
std::vector<std::string> AdditiveRepairStatements(const SchemaSpec& expected, const std::vector<SchemaFinding>& findings);

}  // namespace bamort
