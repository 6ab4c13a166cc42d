#include "validate/validator.h"

#include <map>
#include <set>
#include <sstream>

#include <Poco/JSON/Array.h>

#include "migrate/version_status.h"
#include "schema/expected_schema.h"
#include "schema/introspect.h"
#include "validate/declared_data.h"

namespace bamort {

namespace {

CheckResult Check(const std::string& name, bool ok, const std::string& detail, const std::string& failing = "fail") {
  return {name, ok ? "pass" : failing, detail, {}};
}

void AddSchemaChecks(const std::vector<SchemaFinding>& findings, ValidationResult* out) {
  struct Group {
    const char* name;
    std::vector<FindingKind> kinds;
  };
  const Group groups[] = {
      {"schema.tables", {FindingKind::kMissingTable, FindingKind::kUnexpectedTable}},
      {"schema.columns", {FindingKind::kMissingColumn, FindingKind::kColumnMismatch, FindingKind::kUnexpectedColumn}},
      {"schema.indexes", {FindingKind::kMissingIndex, FindingKind::kIndexMismatch, FindingKind::kUnexpectedIndex}},
      {"schema.foreign_keys",
       {FindingKind::kMissingForeignKey, FindingKind::kForeignKeyMismatch, FindingKind::kUnexpectedForeignKey}},
  };
  for (const Group& g : groups) {
    CheckResult c{g.name, "pass", "", {}};
    int fails = 0, warns = 0;
    for (const SchemaFinding& f : findings) {
      bool in_group = false;
      for (FindingKind k : g.kinds) in_group |= f.kind == k;
      if (!in_group) continue;
      c.items.push_back(std::string(f.failing() ? "FAIL " : "WARN ") + f.Describe());
      (f.failing() ? fails : warns)++;
    }
    if (fails) c.status = "fail";
    else if (warns) c.status = "warn";
    c.detail = fails + warns == 0 ? "as expected"
                                  : std::to_string(fails) + " problem(s), " + std::to_string(warns) + " warning(s)";
    out->checks.push_back(std::move(c));
  }
}

// Rows whose reference points at no parent row: count and up to 10 example keys.
Status OrphanCheck(Connection* conn, const std::string& name, const TableSpec& child,
                   const std::vector<std::string>& columns, const std::string& parent,
                   const std::vector<std::string>& parent_columns, CheckResult* out) {
  std::string on, not_null;
  for (size_t i = 0; i < columns.size(); ++i) {
    std::string c = "c." + Connection::QuoteIdentifier(columns[i]);
    on += (i ? " AND " : "") + std::string("p.") + Connection::QuoteIdentifier(parent_columns[i]) + " = " + c;
    not_null += (i ? " AND " : "") + c + " IS NOT NULL";
  }
  std::string example = "c." + Connection::QuoteIdentifier(columns[0]);
  if (const IndexSpec* pk = child.PrimaryKey()) {
    example = "CONCAT_WS(',', ";
    for (size_t i = 0; i < pk->columns.size(); ++i) {
      example += (i ? ", " : "") + std::string("c.") + Connection::QuoteIdentifier(pk->columns[i]);
    }
    example += ")";
  }
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT COUNT(*), GROUP_CONCAT(" + example + " ORDER BY " + example + " SEPARATOR '\x1f' LIMIT 10) FROM " +
          Connection::QuoteIdentifier(child.name) + " c LEFT JOIN " + Connection::QuoteIdentifier(parent) +
          " p ON " + on + " WHERE " + not_null + " AND p." + Connection::QuoteIdentifier(parent_columns[0]) +
          " IS NULL",
      &rs));
  int64_t count = rs.GetInt64(0, 0);
  std::string cols;
  for (const auto& c : columns) cols += (cols.empty() ? "" : ",") + c;
  *out = Check(name, count == 0, child.name + "(" + cols + ") -> " + parent + ": " + std::to_string(count) +
                                     " row(s) point at a missing parent");
  if (count > 0) {
    std::string ids = rs.GetString(0, 1);
    size_t start = 0;
    while (start <= ids.size()) {
      size_t sep = ids.find('\x1f', start);
      if (sep == std::string::npos) sep = ids.size();
      out->items.push_back(child.name + " key " + ids.substr(start, sep - start));
      start = sep + 1;
    }
  }
  return Status::Ok();
}

}  // namespace

int ValidationResult::Count(const std::string& status) const {
  int n = 0;
  for (const CheckResult& c : checks) n += c.status == status;
  return n;
}

Poco::JSON::Object::Ptr ValidationResult::ToJson() const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("db_version", db_version);
  o->set("migration_number", migration_number);
  o->set("passed", Count("pass"));
  o->set("warnings", Count("warn"));
  o->set("failed", Count("fail"));
  Poco::JSON::Array::Ptr arr = new Poco::JSON::Array();
  for (const CheckResult& c : checks) {
    Poco::JSON::Object::Ptr cj = new Poco::JSON::Object(true);
    cj->set("name", c.name);
    cj->set("status", c.status);
    cj->set("detail", c.detail);
    Poco::JSON::Array::Ptr items = new Poco::JSON::Array();
    for (const auto& i : c.items) items->add(i);
    cj->set("items", items);
    arr->add(cj);
  }
  o->set("checks", arr);
  return o;
}

std::string ValidationResult::Summary() const {
  std::ostringstream out;
  for (const CheckResult& c : checks) {
    if (c.status == "pass") continue;
    out << (c.status == "fail" ? "FAIL " : "WARN ") << c.name << ": " << c.detail << "\n";
    for (const auto& i : c.items) out << "    " << i << "\n";
  }
  out << "DB version " << (db_version.empty() ? "none" : db_version) << ": " << Count("pass") << " checks passed, "
      << Count("warn") << " warning(s), " << Count("fail") << " failed\n";
  return out.str();
}

namespace {

// A half-loaded database: its version tables and schema mean nothing yet.
CheckResult UnfinishedOperationCheck(const OperationMark& operation) {
  CheckResult c = Check("unfinished_operation", false, operation.Describe() + ", has not finished");
  c.items.push_back("way out: " + operation.WayOut());
  return c;
}

// "version_tables": a dirty entry, or a latest schema_version row that disagrees with the
// last successful migration, means the recorded version cannot be trusted. Upstream's
// setupcheck marker rows are recognised, not compared: see version_store.h.
CheckResult VersionTablesCheck(const DbVersionState& state) {
  CheckResult c{"version_tables", "pass", "", {}};
  if (state.dirty) {
    c.status = "fail";
    c.items.push_back("migration " + std::to_string(state.dirty->number) + " is dirty: " +
                      state.dirty->error_message.value_or("did not finish"));
  }
  if (state.marker_after_latest) {
    if (c.status == "pass") c.status = "warn";
    c.items.push_back("the latest schema_version row (id " + std::to_string(*state.marker_after_latest) +
                      ") is upstream Bamort's setupcheck marker '" + kUpstreamMarkerVersion +
                      "', so upstream's systeminfo reports " + kUpstreamMarkerVersion +
                      "; bamort-migrate records the current version again after it");
  }
  const std::optional<SchemaVersionRow>& latest = state.latest_version_row;
  if (!latest) {
    c.status = "fail";
    c.items.push_back("schema_version has no row");
  } else if (!state.applied.empty()) {
    const MigrationRecord& last = state.applied.back();
    if (latest->migration_number != last.number || latest->version != last.version) {
      c.status = "fail";
      c.items.push_back("latest schema_version row says " + latest->version + " (migration " +
                        std::to_string(latest->migration_number) + "), the last successful migration is " +
                        std::to_string(last.number) + " (" + last.version + ")");
    }
  }
  c.detail = c.status == "pass"   ? "schema_version agrees with migration_history, no dirty entry"
             : c.status == "warn" ? "schema_version agrees with migration_history"
                                  : "the recorded version cannot be trusted";
  return c;
}

CheckResult MigrationChecksumsCheck(const Compatibility& compat) {
  const auto& drift = compat.checksum_drift;
  return {"migration_checksums", drift.empty() ? "pass" : "fail",
          drift.empty() ? "every applied migration matches its file"
                        : std::to_string(drift.size()) + " applied migration(s) changed since",
          drift};
}

// The expected schema of the claimed version, which must describe the recorded migration.
Status LoadExpectedSchema(const DbVersionState& state, ValidationResult* out) {
  if (out->db_version.empty()) {
    return Status::Precondition("the database has no DB version to validate against");
  }
  BAMORT_RETURN_IF_ERROR(ExpectedSchemaFor(out->db_version, &out->expected));
  if (out->expected.migration_number != state.migration_number) {
    return Status::Precondition("the database is at migration " + std::to_string(state.migration_number) +
                                ", between versions; the expected schema of " + out->db_version +
                                " describes migration " + std::to_string(out->expected.migration_number));
  }
  return Status::Ok();
}

// "orphans.<table>.<fk or column>": every foreign key the expected schema declares, plus
// the references Bamort keeps without one. Only where both tables and the columns exist.
Status OrphanChecks(Connection* conn, const SchemaSpec& live, ValidationResult* out) {
  auto exists = [&](const std::string& table, const std::vector<std::string>& cols) {
    const TableSpec* t = live.FindTable(table);
    if (!t) return false;
    for (const auto& c : cols) {
      if (!t->FindColumn(c)) return false;
    }
    return true;
  };
  for (const TableSpec& t : out->expected.tables) {
    for (const ForeignKeySpec& fk : t.foreign_keys) {
      if (!exists(t.name, fk.columns) || !exists(fk.ref_table, fk.ref_columns)) continue;
      CheckResult c;
      BAMORT_RETURN_IF_ERROR(OrphanCheck(conn, "orphans." + t.name + "." + fk.name, *live.FindTable(t.name),
                                         fk.columns, fk.ref_table, fk.ref_columns, &c));
      out->checks.push_back(c);
    }
  }
  for (const SoftReference& r : SoftReferences()) {
    if (!exists(r.table, {r.column}) || !exists(r.ref_table, {r.ref_column})) continue;
    CheckResult c;
    BAMORT_RETURN_IF_ERROR(OrphanCheck(conn, "orphans." + r.table + "." + r.column, *live.FindTable(r.table),
                                       {r.column}, r.ref_table, {r.ref_column}, &c));
    out->checks.push_back(c);
  }
  return Status::Ok();
}

// "master_data.<table>": present (required ones fail when empty, optional ones warn).
Status MasterDataChecks(Connection* conn, const SchemaSpec& live, ValidationResult* out) {
  for (const MasterDataTable& m : MasterDataTables()) {
    if (!live.FindTable(m.table)) continue;  // reported by schema.tables
    Value count;
    BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(m.table), &count));
    bool empty = !count || *count == "0";
    out->checks.push_back(Check("master_data." + m.table, !empty,
                                count.value_or("0") + " row(s)" +
                                    (empty ? (m.required ? "; a usable installation needs this master data"
                                                         : "; optional master data")
                                           : ""),
                                m.required ? "fail" : "warn"));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateDatabase(Connection* conn, const std::vector<Migration>& migrations, ValidationResult* out) {
  VersionStatus vs;
  BAMORT_RETURN_IF_ERROR(ReadVersionStatus(conn, migrations, &vs));
  const DbVersionState& state = vs.state;
  const Compatibility& compat = vs.compat;
  out->migration_number = state.migration_number;
  out->db_version = compat.actual_version.value_or("");
  if (state.operation) {
    out->checks.push_back(UnfinishedOperationCheck(*state.operation));
    return Status::Ok();
  }
  if (!state.has_tracking) {
    return Status::Precondition("the database has no version tables (" + state.layout +
                                " layout); run bamort-migrate first, or bamort-init for an empty database");
  }
  out->checks.push_back(VersionTablesCheck(state));
  out->checks.push_back(MigrationChecksumsCheck(compat));

  BAMORT_RETURN_IF_ERROR(LoadExpectedSchema(state, out));
  // The status read the live schema already when it proved a database at its version.
  SchemaSpec live;
  if (vs.schema.live) {
    live = std::move(*vs.schema.live);
  } else {
    BAMORT_RETURN_IF_ERROR(IntrospectSchema(conn, &live));
  }
  out->schema_findings = CompareSchema(out->expected, live);
  AddSchemaChecks(out->schema_findings, out);
  BAMORT_RETURN_IF_ERROR(OrphanChecks(conn, live, out));
  return MasterDataChecks(conn, live, out);
}

}  // namespace bamort
