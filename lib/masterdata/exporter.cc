#include "masterdata/exporter.h"

#include <cstdlib>
#include <map>

#include "common/clock.h"
#include "masterdata/entities.h"

namespace bamort::masterdata {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string Q(const std::string& id) { return Connection::QuoteIdentifier(id); }

void SetTyped(Object::Ptr o, const std::string& name, FieldType type, const Value& v) {
  switch (type) {
    case FieldType::kString: o->set(name, v ? *v : std::string()); break;
    case FieldType::kInt: o->set(name, static_cast<Poco::Int64>(v ? std::strtoll(v->c_str(), nullptr, 10) : 0)); break;
    case FieldType::kFloat: o->set(name, v ? std::strtod(v->c_str(), nullptr) : 0.0); break;
    case FieldType::kBool: o->set(name, v ? std::strtoll(v->c_str(), nullptr, 10) != 0 : false); break;
  }
}

// Runs the export query of one entity; on_row gets the row's id, its parent id (0 for
// top-level entities) and the record.
Status QueryEntity(Connection* conn, const EntitySpec& e,
                   const std::function<void(uint64_t id, uint64_t parent_id, const Object::Ptr&)>& on_row) {
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
                           Object::Ptr o = new Object(true);
                           size_t c = 2;
                           for (const FieldSpec& f : e.fields) SetTyped(o, f.json, f.type, row[c++]);
                           for (const ReferenceSpec& r : e.references)
                             for (const std::string& j : r.json_fields) {
                               o->set(j, row[c] ? *row[c] : std::string());
                               ++c;
                             }
                           on_row(std::strtoull(row[0]->c_str(), nullptr, 10),
                                  row[1] ? std::strtoull(row[1]->c_str(), nullptr, 10) : 0, o);
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
  std::map<std::string, std::map<uint64_t, Object::Ptr>> by_id;  // parent entity -> id -> record
  for (const EntitySpec& e : Entities()) {
    if (!e.parent.empty()) continue;
    Array::Ptr records = new Array();
    bool has_children = false;
    for (const EntitySpec& c : Entities()) has_children = has_children || c.parent == e.name;
    BAMORT_RETURN_IF_ERROR(QueryEntity(conn, e, [&](uint64_t id, uint64_t, const Object::Ptr& o) {
      records->add(o);
      if (has_children) by_id[e.name][id] = o;
    }).WithContext("export " + e.name));
    out->data[e.name] = records;
  }
  for (const EntitySpec& e : Entities()) {
    if (e.parent.empty()) continue;
    auto& parents = by_id[e.parent];
    for (auto& [id, p] : parents) p->set(e.parent_field, Array::Ptr(new Array()));
    uint64_t orphans = 0;
    BAMORT_RETURN_IF_ERROR(QueryEntity(conn, e, [&](uint64_t, uint64_t parent_id, const Object::Ptr& o) {
      auto it = parents.find(parent_id);
      if (it == parents.end()) {
        ++orphans;  // a link whose skill is gone cannot be exported by natural key
        return;
      }
      it->second->getArray(e.parent_field)->add(o);
    }).WithContext("export " + e.name));
  }
  return Status::Ok();
}

}  // namespace bamort::masterdata
