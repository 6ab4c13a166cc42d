#include "masterdata/import_guards.h"

#include "masterdata/entities.h"

namespace bamort::masterdata {

Status TablesWithMasterData(Connection* conn, std::vector<std::string>* out) {
  out->clear();
  std::string sql;
  for (const EntitySpec& e : Entities()) {
    std::string table = Connection::QuoteIdentifier(e.table);
    sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT " + conn->Quote(e.table) + ", COUNT(*) FROM " + table;
  }
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(sql, &rs));
  for (size_t i = 0; i < rs.size(); ++i) {
    std::string rows = rs.GetString(i, 1);
    if (rows != "0") out->push_back(rs.GetString(i, 0) + " (" + rows + (rows == "1" ? " row)" : " rows)"));
  }
  return Status::Ok();
}

Status CheckSampleTarget(Connection* conn, const MasterDataDocument& doc, bool sample_intended) {
  if (doc.sample.empty() || sample_intended) return Status::Ok();
  std::vector<std::string> tables;
  BAMORT_RETURN_IF_ERROR(TablesWithMasterData(conn, &tables));
  if (tables.empty()) return Status::Ok();
  std::string some;
  for (size_t i = 0; i < tables.size() && i < 4; ++i) some += (i ? ", " : "") + tables[i];
  if (tables.size() > 4) some += " and " + std::to_string(tables.size() - 4) + " more tables";
  return Status::Precondition(
      "the source is the sample master data shipped with bamort-deploy (its header says \"sample\": \"" +
          doc.sample + "\"), and database " + conn->config().name + " already holds master data (" + some +
          "): refused, nothing was changed",
      "deploy real master data instead (bamort-prepare exports it from your development database); to put the "
      "invented sample data over the existing master data on purpose, give " +
          std::string(kSampleIntendedFlag));
}

Status CheckChangeShare(const ChangeGuardOptions& options, const std::vector<EntityImportCounts>& entities,
                        ChangeGuardReport* report) {
  report->checked = true;
  report->max_change_percent = options.max_change_percent;
  report->min_rows = options.min_rows;
  report->allowed = options.allow_large_changes;
  report->exceeded.clear();
  for (const EntityImportCounts& e : entities) {
    uint64_t rows = e.rows_before(), changed = e.updated + e.pruned;
    if (rows < options.min_rows || rows == 0) continue;
    if (changed * 100 <= static_cast<uint64_t>(options.max_change_percent) * rows) continue;
    report->exceeded.push_back({e.name, e.table, rows, e.updated, e.pruned});
  }
  if (report->exceeded.empty() || options.allow_large_changes) return Status::Ok();
  std::string what;
  for (const ChangeShareExceeded& x : report->exceeded) what += (what.empty() ? "" : "; ") + x.Describe();
  return Status::Precondition(
      "the import would change more than " + std::to_string(options.max_change_percent) + " % of the rows of " +
          std::to_string(report->exceeded.size()) + (report->exceeded.size() == 1 ? " table: " : " tables: ") +
          what + "; refused, nothing was changed",
      "check the changes in the report (bamort-import-masterdata --dry-run shows a sample per entity); if they are "
      "intended, give " + std::string(kLargeChangesFlag) + " (or raise " + kMaxChangePercentFlag +
          ", default 20, for tables of at least " + std::to_string(options.min_rows) + " rows)");
}

}  // namespace bamort::masterdata
