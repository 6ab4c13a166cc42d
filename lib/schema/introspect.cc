#include "schema/introspect.h"

#include <algorithm>
#include <map>

#include "db/operation_mark.h"

namespace bamort {

namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find('\x1f', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

Status IntrospectSchema(Connection* conn, SchemaSpec* out) {
  std::map<std::string, TableSpec> tables;
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' "
      "AND " + NotOperationMarkCondition(),  // the restore/init mark is not part of any schema
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) tables[rs.GetString(i, 0)].name = rs.GetString(i, 0);

  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) {
    auto it = tables.find(rs.GetString(i, 0));
    if (it == tables.end()) continue;  // a view
    ColumnSpec c;
    c.name = rs.GetString(i, 1);
    c.type = rs.GetString(i, 2);
    c.nullable = rs.GetString(i, 3) == "YES";
    if (!rs.IsNull(i, 4)) c.default_value = rs.GetString(i, 4);
    c.extra = rs.GetString(i, 5);
    it->second.columns.push_back(c);
  }

  // \x1f (unit separator) cannot occur in identifiers we care about, unlike a comma.
  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT TABLE_NAME, INDEX_NAME, MIN(NON_UNIQUE), GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR '\x1f') "
      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME",
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) {
    auto it = tables.find(rs.GetString(i, 0));
    if (it == tables.end()) continue;
    it->second.indexes.push_back({rs.GetString(i, 1), SplitList(rs.GetString(i, 3)), rs.GetInt64(i, 2) == 0});
  }

  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE, "
      "GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\x1f'), "
      "GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\x1f') "
      "FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k "
      "ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME "
      "AND k.TABLE_NAME = rc.TABLE_NAME WHERE rc.CONSTRAINT_SCHEMA = DATABASE() "
      "GROUP BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE",
      &rs));
  for (size_t i = 0; i < rs.size(); ++i) {
    auto it = tables.find(rs.GetString(i, 0));
    if (it == tables.end()) continue;
    it->second.foreign_keys.push_back({rs.GetString(i, 1), SplitList(rs.GetString(i, 5)), rs.GetString(i, 2),
                                       SplitList(rs.GetString(i, 6)), rs.GetString(i, 3), rs.GetString(i, 4)});
  }

  SchemaSpec spec;
  for (auto& [name, t] : tables) {
    auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
    std::sort(t.indexes.begin(), t.indexes.end(), by_name);
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), by_name);
    spec.tables.push_back(std::move(t));
  }
  *out = std::move(spec);
  return Status::Ok();
}

}  // namespace bamort
