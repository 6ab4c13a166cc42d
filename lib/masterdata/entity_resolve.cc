// EntityImporter, key and reference resolution: the rows a reference can name (read once
// per target and match columns), each record's parent id and reference ids, the records'
// natural keys, and the same keys read from the table's rows (entity_importer.h).
#include <string>

#include "db/collation_keys.h"
#include "masterdata/entity_importer.h"
#include "masterdata/import_values.h"

namespace bamort::masterdata {

Status EntityImporter::Targets(const ReferenceSpec& r, const TargetRows** out) {
  const EntitySpec& target = *by_name_.at(r.target)->spec;
  std::string cache_key = target.table;
  for (const std::string& c : r.match_columns) cache_key += "\n" + c;
  auto it = targets_.find(cache_key);
  if (it == targets_.end()) {
    TargetRows rows;
    std::string sql = "SELECT r.`id`";
    for (const std::string& c : r.match_columns) sql += ", " + CollationKeys::SqlFor("r." + QuoteName(c));
    sql += ", r." + QuoteName(r.match_columns[0]) + " FROM " + QuoteName(target.table) + " r";
    size_t n = r.match_columns.size();
    BAMORT_RETURN_IF_ERROR(conn_->QueryEach(sql, [&](const ResultSet&, const Row& row) {
      std::string key;
      for (size_t k = 0; k < n; ++k) {
        if (!row[1 + k]) return Status::Ok();
        std::string part = *row[1 + k];
        collation_.Trim(&part);
        AppendPart(&key, part);
      }
      long long id = 0;
      ParseInt(row[0].value_or(""), &id);
      auto [slot, fresh] = rows.by_key.try_emplace(std::move(key), static_cast<uint64_t>(id), row[1 + n]);
      if (!fresh && static_cast<uint64_t>(id) < slot->second.first) slot->second = {static_cast<uint64_t>(id), row[1 + n]};
      return Status::Ok();
    }));
    it = targets_.emplace(cache_key, std::move(rows)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

Status EntityImporter::Resolve(EntityState* e) {
  const EntitySpec& spec = *e->spec;
  size_t n = e->size(), refs = spec.references.size();
  if (!spec.parent.empty()) {
    const EntityState& parent = *by_name_.at(spec.parent);
    e->pid.resize(n);
    for (size_t i = 0; i < n; ++i) e->pid[i] = parent.ids.at(e->origin[i].first);
  }
  e->ref_ids.assign(n * refs, 0);
  e->ref_copies.assign(n * refs, std::nullopt);
  for (size_t j = 0; j < refs; ++j) {
    const ReferenceSpec& r = spec.references[j];
    const TargetRows* targets = nullptr;
    BAMORT_RETURN_IF_ERROR(Targets(r, &targets));
    const EntityState& target = *by_name_.at(r.target);
    const EntitySpec& target_spec = *target.spec;
    std::string key;
    for (size_t i = 0; i < n; ++i) {
      const std::string& first = e->text(i, e->ref_offset[j]);
      if (first.empty()) {
        if (!r.optional)
          return Status::BadInput(e->Describe(i) + ", field '" + r.json_fields[0] + "': is empty, but every " +
                                  spec.name + " record needs a " + r.target + " reference");
        continue;  // no reference: id 0, no copy
      }
      key.clear();
      for (size_t k = 0; k < r.json_fields.size(); ++k) AppendPart(&key, e->collation_key(i, e->ref_offset[j] + k));
      auto hit = targets->by_key.find(key);
      if (hit == targets->by_key.end())
        return Status::BadInput(e->Describe(i) + ", field '" + r.json_fields[0] + "': '" + first + "' names no " +
                                    r.target + " record (" + target_spec.table + ")",
                                "add the " + r.target + " record to the export or fix the name");
      uint64_t id = hit->second.first;
      if (prune_ && target.doomed.count(id))
        return Status::BadInput(e->Describe(i) + ", field '" + r.json_fields[0] + "': '" + first +
                                    "' exists only in the database, and --prune would delete it",
                                "add the " + r.target + " record to the export or import without --prune");
      e->ref_ids[i * refs + j] = id;
      if (!r.copy_column.empty() && hit->second.second)
        e->ref_copies[i * refs + j] = Utf8Left(*hit->second.second, r.copy_length);
    }
  }
  return Status::Ok();
}

void EntityImporter::BuildKeys(EntityState* e) {
  const EntitySpec& spec = *e->spec;
  size_t n = e->size(), refs = spec.references.size();
  e->next_of_key.assign(n, kNoRecord);
  e->first_of_key.clear();
  e->first_of_key.reserve(n);
  std::vector<uint32_t> last_of_first(n, kNoRecord);  // first record of a key -> its last so far
  e->key_types.assign(spec.key.size(), FieldType::kInt);
  for (size_t p = 0; p < spec.key.size(); ++p)
    for (const FieldSpec& f : spec.fields)
      if (f.json == spec.key[p]) e->key_types[p] = f.type;
  std::string key;
  for (size_t i = 0; i < n; ++i) {
    key.clear();
    for (const std::string& k : spec.key) {
      if (k == "@parent") {
        AppendPart(&key, std::to_string(e->pid[i]));
        continue;
      }
      bool done = false;
      for (size_t f = 0; f < spec.fields.size() && !done; ++f)
        if (spec.fields[f].json == k) {
          AppendPart(&key, spec.fields[f].type == FieldType::kString ? e->collation_key(i, f) : e->text(i, f));
          done = true;
        }
      for (size_t j = 0; j < refs && !done; ++j)
        if (spec.references[j].json_fields[0] == k) {
          AppendPart(&key, std::to_string(e->ref_ids[i * refs + j]));
          done = true;
        }
    }
    // Records with equal keys are chained in file order: the n-th of them is matched to
    // the n-th row of that key in id order.
    auto [slot, fresh] = e->first_of_key.try_emplace(key, static_cast<uint32_t>(i));
    uint32_t first = slot->second;
    if (!fresh) e->next_of_key[last_of_first[first]] = static_cast<uint32_t>(i);
    last_of_first[first] = static_cast<uint32_t>(i);
  }
}

std::string EntityImporter::KeySelect(const EntitySpec& spec) const {
  std::string sql;
  for (const std::string& k : spec.key) {
    if (k == "@parent") {
      sql += ", r." + QuoteName(spec.parent_column);
      continue;
    }
    bool done = false;
    for (size_t f = 0; f < spec.fields.size() && !done; ++f)
      if (spec.fields[f].json == k) {
        std::string col = "r." + QuoteName(spec.fields[f].column);
        sql += ", " + (spec.fields[f].type == FieldType::kString ? CollationKeys::SqlFor(col) : col);
        done = true;
      }
    for (size_t j = 0; j < spec.references.size() && !done; ++j)
      if (spec.references[j].json_fields[0] == k) {
        sql += ", r." + QuoteName(spec.references[j].column);
        done = true;
      }
  }
  return sql;
}

bool EntityImporter::RowKey(const EntityState& e, const Row& row, size_t first, std::string* key) const {
  key->clear();
  for (size_t p = 0; p < e.key_types.size(); ++p) {
    const Value& v = row[first + p];
    FieldType type = e.key_types[p];
    if (type == FieldType::kString) {
      std::string part = v.value_or("");  // NULL as "": the collation key of ""
      collation_.Trim(&part);
      AppendPart(key, part);
    } else {
      std::string part;
      if (!CanonicalNumber(type, v.value_or(kNullAsNumber), &part)) return false;
      AppendPart(key, part);
    }
  }
  return true;
}

}  // namespace bamort::masterdata
