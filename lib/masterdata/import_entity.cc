#include "masterdata/import_entity.h"

#include "masterdata/import_values.h"

namespace bamort::masterdata {

std::vector<std::string> ColumnsOf(const EntitySpec& spec) {
  std::vector<std::string> cols;
  for (const FieldSpec& f : spec.fields) cols.push_back(f.column);
  for (const ReferenceSpec& r : spec.references) {
    cols.push_back(r.column);
    if (!r.copy_column.empty()) cols.push_back(r.copy_column);
  }
  if (!spec.parent.empty()) cols.push_back(spec.parent_column);
  if (spec.has_game_system_id) cols.push_back("game_system_id");
  return cols;
}

void RecordValues(const EntityState& e, size_t i, const std::string& gsid, std::vector<Value>* out) {
  const EntitySpec& spec = *e.spec;
  size_t refs = spec.references.size();
  out->clear();
  for (size_t f = 0; f < spec.fields.size(); ++f) out->emplace_back(e.text(i, f));
  for (size_t j = 0; j < refs; ++j) {
    out->emplace_back(std::to_string(e.ref_ids[i * refs + j]));
    if (!spec.references[j].copy_column.empty()) out->push_back(e.ref_copies[i * refs + j]);
  }
  if (!spec.parent.empty()) out->emplace_back(std::to_string(e.pid[i]));
  if (spec.has_game_system_id) out->emplace_back(gsid);
}

std::string NaturalKeyText(const EntityState& e, size_t i, const EntityState* parent) {
  const EntitySpec& spec = *e.spec;
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " / ") + part; };
  for (const std::string& k : spec.key) {
    if (k == "@parent") {
      if (parent != nullptr) add(NaturalKeyText(*parent, e.origin[i].first, nullptr));
      continue;
    }
    bool done = false;
    for (size_t f = 0; f < spec.fields.size() && !done; ++f)
      if (spec.fields[f].json == k) {
        add(e.text(i, f));
        done = true;
      }
    for (size_t j = 0; j < spec.references.size() && !done; ++j)
      if (spec.references[j].json_fields[0] == k) {
        for (size_t p = 0; p < spec.references[j].json_fields.size(); ++p) add(e.text(i, e.ref_offset[j] + p));
        done = true;
      }
  }
  return out;
}

void CollectChanges(const EntityState& e, size_t i, const Row& row, size_t first, const std::string& gsid,
                    const std::string& key, size_t limit, std::vector<FieldChange>* out) {
  const EntitySpec& spec = *e.spec;
  std::vector<std::string> cols = ColumnsOf(spec);
  std::vector<Value> values;
  RecordValues(e, i, gsid, &values);
  // Column c of cols is a field (compared by type), an id (reference, parent,
  // game_system_id: 0 = NULL) or a copy column (compared exactly).
  std::vector<int> kind;  // 0 string, 1 number of the field's type, 2 id, 3 copy
  std::vector<FieldType> types;
  for (const FieldSpec& f : spec.fields) {
    kind.push_back(f.type == FieldType::kString ? 0 : 1);
    types.push_back(f.type);
  }
  for (const ReferenceSpec& r : spec.references) {
    kind.push_back(2);
    types.push_back(FieldType::kInt);
    if (!r.copy_column.empty()) {
      kind.push_back(3);
      types.push_back(FieldType::kString);
    }
  }
  while (kind.size() < cols.size()) {
    kind.push_back(2);
    types.push_back(FieldType::kInt);
  }
  for (size_t c = 0; c < cols.size() && out->size() < limit; ++c) {
    const Value& db = row[first + c];
    const Value& file = values[c];
    bool same;
    switch (kind[c]) {
      case 0: same = SameString(db, *file); break;
      case 1: same = SameNumber(types[c], db, *file); break;
      case 2: {
        long long id = 0;
        same = ParseInt(*file, &id) && SameId(db, static_cast<uint64_t>(id));
        break;
      }
      default: same = db.has_value() == file.has_value() && (!db || *db == *file);
    }
    if (!same) out->push_back({key, cols[c], db.value_or("NULL"), file.value_or("NULL")});
  }
}

}  // namespace bamort::masterdata
