// EntityImporter, the table side: match the table's rows (streamed once in id order) to
// the records, tell changed from unchanged, apply (UPDATE through a temporary copy, multi-row
// INSERT) and prune (entity_importer.h).
#include <string>

#include "db/multi_row_insert.h"
#include "masterdata/entity_importer.h"
#include "masterdata/import_values.h"

namespace bamort::masterdata {

bool EntityImporter::Same(const EntityState& e, size_t i, const Row& row, size_t c) const {
  const EntitySpec& spec = *e.spec;
  size_t refs = spec.references.size();
  for (size_t f = 0; f < spec.fields.size(); ++f, ++c) {
    const Value& db = row[c];
    // Strings byte for byte: a change of case or accent is an update.
    bool same = spec.fields[f].type == FieldType::kString ? SameString(db, e.text(i, f))
                                                           : SameNumber(spec.fields[f].type, db, e.text(i, f));
    if (!same) return false;
  }
  for (size_t j = 0; j < refs; ++j) {
    if (!SameId(row[c++], e.ref_ids[i * refs + j])) return false;
    if (!spec.references[j].copy_column.empty()) {
      const Value& db = row[c++];
      const Value& copy = e.ref_copies[i * refs + j];
      if (db.has_value() != copy.has_value() || (db && *db != *copy)) return false;
    }
  }
  if (!spec.parent.empty() && !SameId(row[c++], e.pid[i])) return false;
  if (spec.has_game_system_id && !SameId(row[c++], gsid_number_)) return false;
  return true;
}

Status EntityImporter::NumberRows(EntityState* e, const std::string& columns,
                            const std::function<void(uint64_t id, uint32_t record, const Row& row)>& on_row) {
  const EntitySpec& spec = *e->spec;
  // Rows arrive in id order; each takes the next record of its key not yet taken.
  std::unordered_map<std::string, uint32_t> cursor = e->first_of_key;
  std::string key;
  return conn_->QueryEach(
      "SELECT r.`id`" + KeySelect(spec) + columns + " FROM " + QuoteName(spec.table) + " r ORDER BY r.`id`",
      [&](const ResultSet&, const Row& row) {
        long long id = 0;
        ParseInt(row[0].value_or(""), &id);
        auto it = RowKey(*e, row, 1, &key) ? cursor.find(key) : cursor.end();
        uint32_t record = kNoRecord;
        if (it != cursor.end() && it->second != kNoRecord) {
          record = it->second;
          it->second = e->next_of_key[record];
        }
        on_row(static_cast<uint64_t>(id), record, row);
        return Status::Ok();
      });
}

Status EntityImporter::Match(EntityState* e) {
  const EntitySpec& spec = *e->spec;
  BuildKeys(e);
  e->ids.assign(e->size(), 0);
  e->changed.assign(e->size(), 0);
  std::string columns;
  for (const std::string& c : ColumnsOf(spec)) columns += ", r." + QuoteName(c);
  size_t first_value = 1 + spec.key.size();
  uint64_t matched = 0, changed = 0, rows = 0;
  const EntityState* parent = spec.parent.empty() ? nullptr : by_name_.at(spec.parent);
  auto& shown = e->counts.changes;  // a few changed fields for the report
  BAMORT_RETURN_IF_ERROR(NumberRows(e, columns, [&](uint64_t id, uint32_t i, const Row& row) {
    ++rows;
    if (i == kNoRecord) {
      if (prune_) e->doomed.insert(id);
      return;
    }
    e->ids[i] = id;
    ++matched;
    if (!Same(*e, i, row, first_value)) {
      e->changed[i] = 1;
      ++changed;
      if (shown.size() < EntityImportCounts::kMaxChangesShown)
        CollectChanges(*e, i, row, first_value, gsid_, NaturalKeyText(*e, i, parent),
                       EntityImportCounts::kMaxChangesShown, &shown);
    }
  }));
  e->counts.updated = changed;
  e->counts.unchanged = matched - changed;
  e->counts.inserted = e->size() - matched;
  e->counts.only_in_database = rows - matched;
  return Status::Ok();
}

Status EntityImporter::Rematch(EntityState* e) {
  // The new rows got ids in file order after every older row, so numbering again in id
  // order gives each record its row (the matched ones keep theirs).
  BAMORT_RETURN_IF_ERROR(NumberRows(e, "", [&](uint64_t id, uint32_t i, const Row&) {
    if (i != kNoRecord && e->ids[i] == 0) e->ids[i] = id;
  }));
  for (size_t i = 0; i < e->size(); ++i)
    if (e->ids[i] == 0)
      return Status::Failed("internal: " + e->Describe(i) + " has no row in " + e->spec->table + " after the insert");
  return Status::Ok();
}

Status EntityImporter::Apply(EntityState* e, bool rematch) {
  const EntitySpec& spec = *e->spec;
  std::vector<std::string> cols = ColumnsOf(spec);
  std::vector<Value> values;
  if (e->counts.updated > 0) {
    // The changed records go into a temporary copy of the columns (same types, so the
    // values convert exactly as they would in the table), then one UPDATE ... JOIN.
    std::string tmp = "_mu_" + spec.name, select = "r.`id`";
    for (const std::string& c : cols) select += ", r." + QuoteName(c);
    BAMORT_RETURN_IF_ERROR(conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + QuoteName(tmp)));
    BAMORT_RETURN_IF_ERROR(conn_->Execute("CREATE TEMPORARY TABLE " + QuoteName(tmp) + " (PRIMARY KEY (`id`)) SELECT " + select +
                                          " FROM " + QuoteName(spec.table) + " r WHERE 0"));
    temporary_.push_back(tmp);
    std::vector<std::string> tmp_cols = {"id"};
    tmp_cols.insert(tmp_cols.end(), cols.begin(), cols.end());
    MultiRowInsert ins(conn_, tmp, tmp_cols, 10000, 8 << 20);
    for (size_t i = 0; i < e->size(); ++i) {
      if (!e->changed[i]) continue;
      RecordValues(*e, i, gsid_, &values);
      values.insert(values.begin(), Value(std::to_string(e->ids[i])));
      BAMORT_RETURN_IF_ERROR(ins.Add(values));
    }
    BAMORT_RETURN_IF_ERROR(ins.Finish());
    std::string set;
    for (const std::string& c : cols) set += std::string(set.empty() ? "" : ", ") + "r." + QuoteName(c) + " = t." + QuoteName(c);
    BAMORT_RETURN_IF_ERROR(
        conn_->Execute("UPDATE " + QuoteName(spec.table) + " r JOIN " + QuoteName(tmp) + " t ON r.`id` = t.`id` SET " + set));
  }
  if (e->counts.inserted > 0) {
    // 2,000 rows per statement: MultiRowInsert builds the next statement while the
    // server runs this one, and with 1,000-2,000 rows the two overlapped best (10,000
    // left the server idle longer while the first statement was built).
    MultiRowInsert ins(conn_, spec.table, cols, 2000, 4 << 20);
    for (size_t i = 0; i < e->size(); ++i) {
      if (e->ids[i] != 0) continue;
      RecordValues(*e, i, gsid_, &values);
      BAMORT_RETURN_IF_ERROR(ins.Add(values));
    }
    BAMORT_RETURN_IF_ERROR(ins.Finish());
    if (rematch) BAMORT_RETURN_IF_ERROR(Rematch(e));
  }
  return Status::Ok();
}

Status EntityImporter::Prune(EntityState* e) {
  std::vector<uint64_t> ids(e->doomed.begin(), e->doomed.end());
  uint64_t total = 0;
  for (size_t start = 0; start < ids.size(); start += 10000) {
    std::string list;
    for (size_t i = start; i < std::min(ids.size(), start + 10000); ++i)
      list += (list.empty() ? "" : ",") + std::to_string(ids[i]);
    uint64_t n = 0;
    BAMORT_RETURN_IF_ERROR(conn_->Execute("DELETE FROM " + QuoteName(e->spec->table) + " WHERE `id` IN (" + list + ")", &n));
    total += n;
  }
  e->counts.pruned = total;
  return Status::Ok();
}

void EntityImporter::DropTemporary() {
  if (conn_->broken()) return;
  for (const std::string& name : temporary_) conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + QuoteName(name)).ok();
  temporary_.clear();
}

// Hands prepared entities from the preparing thread to the importing one, in order.

}  // namespace bamort::masterdata
