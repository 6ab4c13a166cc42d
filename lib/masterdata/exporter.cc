#include "masterdata/exporter.h"

#include <cstdlib>
#include <map>

#include "common/clock.h"
#include "masterdata/entities.h"

namespace bamort::masterdata {

namespace {

std::string Q(const std::string& id) { return Connection::QuoteIdentifier(id); }

void SetTyped(JsonValue* o, const std::string& name, FieldType type, const Value& v) {
  switch (type) {
    case FieldType::kString: o->Set(name, JsonValue::String(v ? *v : std::string())); break;
    case FieldType::kInt: o->Set(name, JsonValue::Number(std::to_string(v ? std::strtoll(v->c_str(), nullptr, 10) : 0))); break;
    case FieldType::kFloat: o->Set(name, JsonValue::Number(FormatDouble(v ? std::strtod(v->c_str(), nullptr) : 0.0))); break;
    case FieldType::kBool: o->Set(name, JsonValue::Bool(v ? std::strtoll(v->c_str(), nullptr, 10) != 0 : false)); break;
  }
}

// Runs the export query of one entity; on_row gets the row's id, its parent id (0 for
// top-level entities) and the record.
Status QueryEntity(Connection* conn, const EntitySpec& e,
                   const std::function<void(uint64_t id, uint64_t parent_id, JsonValue record)>& on_row) {
  std::string select = "SELECT r.`id`, " + (e.parent.empty() ? std::string("0") : "r." + Q(e.parent_column));
  for (const FieldSpec& f : e.fields) select += ", r." + Q(f.column);
  std::string joins;
  for (size_t j = 0; j < e.references.size(); ++j) {
    const ReferenceSpec& r = e.references[j];
    std::string alias = "ref" + std::to_string(j);
    for (const std::string& m : r.match_columns) select += ", " + alias + "." + Q(m);
    joins += " LEFT JOIN " + Q(FindEntity(r.target)->table) + " " + alias + " ON " + alias + ".`id` = r." + Q(r.column);
  }
  std::string order = " ORDER BY ";
  if (!e.parent.empty()) order += "r." + Q(e.parent_column) + ", ";
  for (const std::string& o : e.order_by) order += o + ", ";
  order += "r.`id`";
  return conn->QueryEach(select + " FROM " + Q(e.table) + " r" + joins + order,
                         [&](const ResultSet&, const Row& row) -> Status {
                           JsonValue o = JsonValue::Object();
                           size_t c = 2;
                           for (const FieldSpec& f : e.fields) SetTyped(&o, f.json, f.type, row[c++]);
                           for (const ReferenceSpec& r : e.references)
                             for (const std::string& j : r.json_fields) {
                               o.Set(j, JsonValue::String(row[c] ? *row[c] : std::string()));
                               ++c;
                             }
                           on_row(std::strtoull(row[0]->c_str(), nullptr, 10),
                                  row[1] ? std::strtoull(row[1]->c_str(), nullptr, 10) : 0, std::move(o));
                           return Status::Ok();
                         });
}

}  // namespace

std::string ExportTimestamp(int64_t* unix_seconds) {
  SystemTime t = std::chrono::system_clock::now();
  const char* sde = std::getenv("SOURCE_DATE_EPOCH");
  if (sde && *sde) t = SystemTime(std::chrono::seconds(std::strtoll(sde, nullptr, 10)));
  if (unix_seconds) *unix_seconds = UnixSeconds(t);
  return FormatRfc3339(t);
}

Status ExportMasterData(Connection* conn, const ExportOptions& options, MasterDataDocument* out) {
  out->export_version = kCurrentExportVersion;
  out->backend_version = options.backend_version;
  out->timestamp = options.timestamp;
  out->game_system = options.game_system;
  // parent entity -> id -> index of the record in its array
  std::map<std::string, std::map<uint64_t, size_t>> by_id;
  for (const EntitySpec& e : Entities()) {
    if (!e.parent.empty()) continue;
    JsonValue records = JsonValue::Array();
    bool has_children = false;
    for (const EntitySpec& c : Entities()) has_children = has_children || c.parent == e.name;
    BAMORT_RETURN_IF_ERROR(QueryEntity(conn, e, [&](uint64_t id, uint64_t, JsonValue o) {
      if (has_children) by_id[e.name][id] = records.size();
      records.Append(std::move(o));
    }).WithContext("export " + e.name));
    out->data[e.name] = std::move(records);
  }
  for (const EntitySpec& e : Entities()) {
    if (e.parent.empty()) continue;
    auto& parents = by_id[e.parent];
    JsonValue& parent_records = out->data[e.parent];
    for (auto& [id, index] : parents) parent_records.at(index).Set(e.parent_field, JsonValue::Array());
    uint64_t orphans = 0;
    BAMORT_RETURN_IF_ERROR(QueryEntity(conn, e, [&](uint64_t, uint64_t parent_id, JsonValue o) {
      auto it = parents.find(parent_id);
      if (it == parents.end()) {
        ++orphans;  // a link whose skill is gone cannot be exported by natural key
        return;
      }
      parent_records.at(it->second).Find(e.parent_field)->Append(std::move(o));
    }).WithContext("export " + e.name));
  }
  return Status::Ok();
}

}  // namespace bamort::masterdata
