#include "masterdata/importer.h"

#include <chrono>
#include <map>

#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include "db/multi_row_insert.h"
#include "masterdata/document.h"
#include "masterdata/entities.h"
#include "masterdata/record_values.h"

namespace bamort {

uint64_t ImportResult::TotalInFile() const {
  uint64_t n = 0;
  for (const auto& e : entities) n += e.in_file;
  return n;
}

Poco::JSON::Object::Ptr ImportResult::ToJson() const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("source", source);
  o->set("source_kind", source_kind);
  o->set("source_format", source_format);
  o->set("game_system", game_system);
  o->set("dry_run", dry_run);
  o->set("committed", committed);
  Poco::JSON::Array::Ptr ents = new Poco::JSON::Array();
  for (const auto& e : entities) {
    Poco::JSON::Object::Ptr x = new Poco::JSON::Object(true);
    x->set("name", e.name);
    x->set("table", e.table);
    x->set("in_file", e.in_file);
    x->set("inserted", e.inserted);
    x->set("updated", e.updated);
    x->set("unchanged", e.unchanged);
    x->set("only_in_database", e.only_in_database);
    x->set("pruned", e.pruned);
    ents->add(x);
  }
  o->set("entities", ents);
  Poco::JSON::Array::Ptr log = new Poco::JSON::Array();
  for (const auto& l : transform_log) log->add(l);
  o->set("transform_log", log);
  Poco::JSON::Object::Ptr timing = new Poco::JSON::Object(true);
  for (const auto& [phase, ms] : timing_ms) timing->set(phase, ms);
  o->set("timing_ms", timing);
  return o;
}

namespace {

using masterdata::EntitySpec;
using masterdata::FieldSpec;
using masterdata::FieldType;
using masterdata::ReferenceSpec;

constexpr const char* kCollate = " COLLATE utf8mb4_unicode_ci";

// Adds the wall time since the last Lap() to a phase of ImportResult::timing_ms.
class PhaseClock {
 public:
  explicit PhaseClock(ImportResult* result) : result_(result), last_(std::chrono::steady_clock::now()) {}
  void Lap(const std::string& phase) {
    auto now = std::chrono::steady_clock::now();
    uint64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count();
    last_ = now;
    for (auto& [name, total] : result_->timing_ms)
      if (name == phase) {
        total += ms;
        return;
      }
    result_->timing_ms.emplace_back(phase, ms);
  }

 private:
  ImportResult* result_;
  std::chrono::steady_clock::time_point last_;
};

std::string Q(const std::string& id) { return Connection::QuoteIdentifier(id); }

std::string TmpName(const EntitySpec& e) { return "_md_" + e.name; }
std::string MatchName(const EntitySpec& e) { return "_mx_" + e.name; }
std::string OrdName(const EntitySpec& e) { return "_mo_" + e.name; }
std::string IdsName(const EntitySpec& e) { return "_mi_" + e.name; }
std::string PruneName(const EntitySpec& e) { return "_mp_" + e.name; }

std::string FieldCol(size_t i) { return "f" + std::to_string(i); }
std::string RefCol(size_t j, size_t k) { return "r" + std::to_string(j) + "_" + std::to_string(k); }
std::string RefId(size_t j) { return "r" + std::to_string(j) + "_id"; }
std::string RefCopy(size_t j) { return "r" + std::to_string(j) + "_cp"; }

bool IsKeyField(const EntitySpec& e, const std::string& json) {
  for (const std::string& k : e.key)
    if (k == json) return true;
  return false;
}

// One key part as SQL over the temporary table (alias t) and over the real table (r).
struct KeyPart {
  std::string tmp_expr;
  std::string table_expr;
  bool is_string = false;
};

std::vector<KeyPart> KeyParts(const EntitySpec& e) {
  std::vector<KeyPart> parts;
  for (const std::string& k : e.key) {
    if (k == "@parent") {
      parts.push_back({"t.`_pid`", "r." + Q(e.parent_column), false});
      continue;
    }
    bool done = false;
    for (size_t i = 0; i < e.fields.size() && !done; ++i)
      if (e.fields[i].json == k) {
        parts.push_back({"t." + FieldCol(i), "r." + Q(e.fields[i].column), e.fields[i].type == FieldType::kString});
        done = true;
      }
    for (size_t j = 0; j < e.references.size() && !done; ++j)
      if (e.references[j].json_fields[0] == k) {
        parts.push_back({"t." + RefId(j), "r." + Q(e.references[j].column), false});
        done = true;
      }
  }
  return parts;
}

class EntityImport {
 public:
  EntityImport(Connection* conn, const EntitySpec& spec, const std::string& file, const std::string& gsid,
               const std::map<std::string, std::unique_ptr<EntityImport>>* done)
      : conn_(conn), e_(spec), file_(file), gsid_(gsid), done_(done) {}

  const EntitySpec& spec() const { return e_; }
  bool carried() const { return carried_; }
  EntityImportCounts counts;

  Status CreateAndLoad(const masterdata::MasterDataDocument& doc);
  Status ResolveReferences(bool prune);
  Status Match();
  Status Apply(bool prune, bool rematch);
  Status Prune();
  void DropTemporary();

 private:
  // index: the record (top-level) or its parent record, 0-based; child: index in the
  // parent's array, or -1 for a top-level record.
  Status LoadRecord(const JsonValue& rec, size_t index, long child, MultiRowInsert* ins);
  // "skills.json record 3 categories_difficulties[0]" for the record at _pos.
  std::string Describe(size_t pos) const;
  Status BuildMatchTable();

  Connection* conn_;
  const EntitySpec& e_;
  std::string file_;
  std::string gsid_;
  const std::map<std::string, std::unique_ptr<EntityImport>>* done_;
  bool carried_ = false;
  bool created_ = false;
  // Where the record at _pos (1-based) came from, to name it in messages: built into
  // text only when needed (one string per record cost more than the record's SQL).
  std::vector<std::pair<uint32_t, int32_t>> origin_;
  std::vector<Value> row_;  // reused by LoadRecord
};

Status EntityImport::CreateAndLoad(const masterdata::MasterDataDocument& doc) {
  std::string cols = "`_pos` INT UNSIGNED NOT NULL PRIMARY KEY, `_ppos` INT UNSIGNED NULL, `_pid` BIGINT UNSIGNED NULL, "
                     "`_id` BIGINT UNSIGNED NULL, `_chg` TINYINT NULL";
  std::vector<std::string> ins_cols = {"_pos", "_ppos"};
  for (size_t i = 0; i < e_.fields.size(); ++i) {
    const FieldSpec& f = e_.fields[i];
    std::string type;
    switch (f.type) {
      case FieldType::kString:
        type = std::string(IsKeyField(e_, f.json) ? "VARCHAR(255)" : "LONGTEXT") + " CHARACTER SET utf8mb4" + kCollate;
        break;
      case FieldType::kInt: type = "BIGINT"; break;
      case FieldType::kFloat: type = "DOUBLE"; break;
      case FieldType::kBool: type = "TINYINT(1)"; break;
    }
    cols += ", " + FieldCol(i) + " " + type + " NULL";
    ins_cols.push_back(FieldCol(i));
  }
  for (size_t j = 0; j < e_.references.size(); ++j) {
    for (size_t k = 0; k < e_.references[j].json_fields.size(); ++k) {
      cols += ", " + RefCol(j, k) + " VARCHAR(255) CHARACTER SET utf8mb4" + kCollate + " NULL";
      ins_cols.push_back(RefCol(j, k));
    }
    cols += ", " + RefId(j) + " BIGINT UNSIGNED NULL, " + RefCopy(j) + " VARCHAR(255) CHARACTER SET utf8mb4" + kCollate +
            " NULL";
  }
  // No secondary index: every join drives from this table (by _pos), and maintaining an
  // index on _id made the match UPDATE rewrite it for every record. Prune builds its own.
  BAMORT_RETURN_IF_ERROR(conn_->Execute("CREATE TEMPORARY TABLE " + Q(TmpName(e_)) + " (" + cols + ")"));
  created_ = true;

  // Larger statements than the default (fewer round trips and parses), still far below
  // the server's default max_allowed_packet of 16 MB.
  MultiRowInsert ins(conn_, TmpName(e_), ins_cols, 10000, 8 << 20);
  if (e_.parent.empty()) {
    auto it = doc.data.find(e_.name);
    if (it != doc.data.end()) {
      carried_ = true;
      for (size_t i = 0; i < it->second.size(); ++i) BAMORT_RETURN_IF_ERROR(LoadRecord(it->second.at(i), i, -1, &ins));
    }
  } else {
    auto it = doc.data.find(e_.parent);
    if (it != doc.data.end()) {
      carried_ = true;
      for (size_t i = 0; i < it->second.size(); ++i) {
        const JsonValue* children = it->second.at(i).Find(e_.parent_field);
        if (children == nullptr || children->is_null()) continue;
        if (!children->is_array())
          return Status::BadInput(file_ + " record " + std::to_string(i + 1) + ": " + e_.parent_field +
                                  " is not an array");
        for (size_t c = 0; c < children->size(); ++c) {
          if (!children->at(c).is_object())
            return Status::BadInput(file_ + " record " + std::to_string(i + 1) + ": " + e_.parent_field + "[" +
                                    std::to_string(c) + "] is not an object");
          BAMORT_RETURN_IF_ERROR(LoadRecord(children->at(c), i, static_cast<long>(c), &ins));
        }
      }
    }
  }
  BAMORT_RETURN_IF_ERROR(ins.Finish());
  counts.in_file = origin_.size();
  return Status::Ok();
}

std::string EntityImport::Describe(size_t pos) const {
  auto [index, child] = origin_.at(pos - 1);
  std::string d = file_ + " record " + std::to_string(index + 1);
  if (child >= 0) d += " " + e_.parent_field + "[" + std::to_string(child) + "]";
  return d;
}

Status EntityImport::LoadRecord(const JsonValue& rec, size_t index, long child, MultiRowInsert* ins) {
  origin_.emplace_back(static_cast<uint32_t>(index), static_cast<int32_t>(child));
  size_t width = 2 + e_.fields.size();
  for (const ReferenceSpec& r : e_.references) width += r.json_fields.size();
  row_.resize(width);
  row_[0] = std::to_string(origin_.size());
  // A child's _ppos is its parent's _pos, the parent's index + 1.
  row_[1] = child >= 0 ? Value(std::to_string(index + 1)) : std::nullopt;
  size_t c = 2;
  for (const FieldSpec& f : e_.fields) {
    if (!row_[c]) row_[c].emplace();
    Status s = masterdata::ScalarText(rec, f.json, f.type, &*row_[c++]);
    if (!s.ok()) return Status::BadInput(Describe(origin_.size()) + ": " + s.message());
  }
  for (const ReferenceSpec& r : e_.references)
    for (const std::string& j : r.json_fields) {
      if (!row_[c]) row_[c].emplace();
      Status s = masterdata::ScalarText(rec, j, FieldType::kString, &*row_[c++]);
      if (!s.ok()) return Status::BadInput(Describe(origin_.size()) + ": " + s.message());
    }
  return ins->Add(row_);
}

Status EntityImport::ResolveReferences(bool prune) {
  std::string t = Q(TmpName(e_));
  // The parent's id and every reference (with its copy column) in one pass over the
  // wide temporary rows. Each target is grouped by its key first (MIN(id) where a name
  // is ambiguous), so the join probes a small derived table instead of running a
  // subquery per record.
  std::string joins, set;
  auto assign = [&](const std::string& a) { set += (set.empty() ? "" : ", ") + a; };
  if (!e_.parent.empty()) {
    joins += " LEFT JOIN " + Q(TmpName(done_->at(e_.parent)->spec())) + " p ON p.`_pos` = t.`_ppos`";
    assign("t.`_pid` = p.`_id`");
  }
  for (size_t j = 0; j < e_.references.size(); ++j) {
    const ReferenceSpec& r = e_.references[j];
    const EntitySpec& target = done_->at(r.target)->spec();
    std::string a = "a" + std::to_string(j), keys, group, on;
    for (size_t k = 0; k < r.match_columns.size(); ++k) {
      std::string kk = "k" + std::to_string(k);
      keys += ", x." + Q(r.match_columns[k]) + kCollate + " AS " + kk;
      group += std::string(k ? ", " : "") + kk;
      on += std::string(k ? " AND " : "") + a + "." + kk + " = t." + RefCol(j, k);
    }
    joins += " LEFT JOIN (SELECT MIN(x.`id`) AS `id`" + keys + " FROM " + Q(target.table) + " x GROUP BY " + group +
             ") " + a + " ON " + on;
    assign("t." + RefId(j) + " = IF(t." + RefCol(j, 0) + " = '', " + (r.optional ? "0" : "NULL") + ", " + a + ".`id`)");
    if (!r.copy_column.empty()) {
      std::string c = "c" + std::to_string(j);
      joins += " LEFT JOIN " + Q(target.table) + " " + c + " ON " + c + ".`id` = " + a + ".`id`";
      assign("t." + RefCopy(j) + " = IF(t." + RefCol(j, 0) + " = '', NULL, LEFT(" + c + "." + Q(r.match_columns[0]) +
             ", " + std::to_string(r.copy_length) + "))");
    }
  }
  if (!set.empty()) BAMORT_RETURN_IF_ERROR(conn_->Execute("UPDATE " + t + " t" + joins + " SET " + set));
  for (size_t j = 0; j < e_.references.size(); ++j) {
    const ReferenceSpec& r = e_.references[j];
    const EntitySpec& target = done_->at(r.target)->spec();
    ResultSet bad;
    BAMORT_RETURN_IF_ERROR(conn_->Query("SELECT t.`_pos`, t." + RefCol(j, 0) + " FROM " + t + " t WHERE t." + RefId(j) +
                                            " IS NULL ORDER BY t.`_pos` LIMIT 1",
                                        &bad));
    if (!bad.empty()) {
      size_t pos = bad.GetUInt64(0, 0);
      std::string value = bad.GetString(0, 1);
      std::string what = Describe(pos) + ", field '" + r.json_fields[0] + "': ";
      if (value.empty())
        return Status::BadInput(what + "is empty, but every " + e_.name + " record needs a " + r.target + " reference");
      return Status::BadInput(what + "'" + value + "' names no " + r.target + " record (" + target.table + ")",
                              "add the " + r.target + " record to the export or fix the name");
    }
    if (prune) {
      ResultSet doomed;
      BAMORT_RETURN_IF_ERROR(conn_->Query("SELECT t.`_pos`, t." + RefCol(j, 0) + " FROM " + t + " t JOIN " +
                                              Q(PruneName(target)) + " p ON p.`id` = t." + RefId(j) +
                                              " ORDER BY t.`_pos` LIMIT 1",
                                          &doomed));
      if (!doomed.empty())
        return Status::BadInput(Describe(doomed.GetUInt64(0, 0)) + ", field '" + r.json_fields[0] + "': '" +
                                    doomed.GetString(0, 1) + "' exists only in the database, and --prune would delete it",
                                "add the " + r.target + " record to the export or import without --prune");
    }
  }
  return Status::Ok();
}

Status EntityImport::BuildMatchTable() {
  std::vector<KeyPart> parts = KeyParts(e_);
  std::string select, partition, index;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string k = "k" + std::to_string(i);
    select += ", " + parts[i].table_expr + (parts[i].is_string ? kCollate : "") + " AS " + k;
    partition += std::string(i ? ", " : "") + k;
    index += k + ", ";
  }
  BAMORT_RETURN_IF_ERROR(conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + Q(MatchName(e_))));
  return conn_->Execute("CREATE TEMPORARY TABLE " + Q(MatchName(e_)) + " (INDEX (" + index + "`_ord`))" + " SELECT x.* , " +
                        "ROW_NUMBER() OVER (PARTITION BY " + partition + " ORDER BY x.`id`) AS `_ord` FROM (SELECT r.`id`" +
                        select + " FROM " + Q(e_.table) + " r) x");
}

Status EntityImport::Match() {
  std::string t = Q(TmpName(e_));
  std::vector<KeyPart> parts = KeyParts(e_);
  std::string partition, on;
  for (size_t i = 0; i < parts.size(); ++i) {
    partition += std::string(i ? ", " : "") + parts[i].tmp_expr;
    on += " AND x.k" + std::to_string(i) + " <=> " + parts[i].tmp_expr;
  }
  // Records whose keys are equal under the collation are numbered in file order (in a
  // narrow table: rewriting the wide rows once per step cost more than the numbering)
  // and matched to the rows of that key in id order.
  BAMORT_RETURN_IF_ERROR(conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + Q(OrdName(e_))));
  BAMORT_RETURN_IF_ERROR(conn_->Execute("CREATE TEMPORARY TABLE " + Q(OrdName(e_)) +
                                        " (PRIMARY KEY (`_pos`)) SELECT t.`_pos`, ROW_NUMBER() OVER (PARTITION BY " +
                                        partition + " ORDER BY t.`_pos`) AS `_ord` FROM " + t + " t"));
  BAMORT_RETURN_IF_ERROR(BuildMatchTable());
  // Changed: any column differs byte for byte (a case or accent change is an update).
  std::string same;
  auto add = [&](const std::string& cond) { same += (same.empty() ? "" : " AND ") + cond; };
  for (size_t i = 0; i < e_.fields.size(); ++i) {
    const FieldSpec& f = e_.fields[i];
    if (f.type == FieldType::kString)
      add("BINARY r." + Q(f.column) + " <=> BINARY t." + FieldCol(i));
    else
      add("r." + Q(f.column) + " <=> t." + FieldCol(i));
  }
  for (size_t j = 0; j < e_.references.size(); ++j) {
    add("r." + Q(e_.references[j].column) + " <=> t." + RefId(j));
    if (!e_.references[j].copy_column.empty())
      add("BINARY r." + Q(e_.references[j].copy_column) + " <=> BINARY t." + RefCopy(j));
  }
  if (!e_.parent.empty()) add("r." + Q(e_.parent_column) + " <=> t.`_pid`");
  if (e_.has_game_system_id) add("r.`game_system_id` <=> " + gsid_);
  // One pass over the wide rows: the matched id and whether the row changed.
  BAMORT_RETURN_IF_ERROR(conn_->Execute("UPDATE " + t + " t JOIN " + Q(OrdName(e_)) + " o ON o.`_pos` = t.`_pos` JOIN " +
                                        Q(MatchName(e_)) + " x ON x.`_ord` = o.`_ord`" + on + " JOIN " + Q(e_.table) +
                                        " r ON r.`id` = x.`id` SET t.`_id` = x.`id`, t.`_chg` = NOT (" + same + ")"));
  ResultSet c;
  BAMORT_RETURN_IF_ERROR(conn_->Query("SELECT COUNT(`_id`), COALESCE(SUM(`_chg`), 0), (SELECT COUNT(*) FROM " +
                                          Q(e_.table) + ") FROM " + t,
                                      &c));
  uint64_t matched = c.GetUInt64(0, 0);
  counts.updated = c.GetUInt64(0, 1);
  counts.unchanged = matched - counts.updated;
  counts.inserted = counts.in_file - matched;
  counts.only_in_database = c.GetUInt64(0, 2) - matched;
  return Status::Ok();
}

Status EntityImport::Apply(bool prune, bool rematch) {
  std::string t = Q(TmpName(e_));
  if (prune) {
    // The matched ids, indexed, so the rows of the table without a record are found by
    // one probe each (ALTER TABLE ... ADD INDEX would commit the transaction).
    BAMORT_RETURN_IF_ERROR(conn_->Execute("CREATE TEMPORARY TABLE " + Q(IdsName(e_)) + " (INDEX (`id`)) SELECT t.`_id` AS `id` FROM " +
                                          t + " t WHERE t.`_id` IS NOT NULL"));
    BAMORT_RETURN_IF_ERROR(conn_->Execute("CREATE TEMPORARY TABLE " + Q(PruneName(e_)) +
                                          " (PRIMARY KEY (`id`)) SELECT r.`id` FROM " + Q(e_.table) + " r LEFT JOIN " +
                                          Q(IdsName(e_)) + " m ON m.`id` = r.`id` WHERE m.`id` IS NULL"));
  }
  std::vector<std::string> cols, vals;
  for (size_t i = 0; i < e_.fields.size(); ++i) {
    cols.push_back(Q(e_.fields[i].column));
    vals.push_back("t." + FieldCol(i));
  }
  for (size_t j = 0; j < e_.references.size(); ++j) {
    cols.push_back(Q(e_.references[j].column));
    vals.push_back("t." + RefId(j));
    if (!e_.references[j].copy_column.empty()) {
      cols.push_back(Q(e_.references[j].copy_column));
      vals.push_back("t." + RefCopy(j));
    }
  }
  if (!e_.parent.empty()) {
    cols.push_back(Q(e_.parent_column));
    vals.push_back("t.`_pid`");
  }
  if (e_.has_game_system_id) {
    cols.push_back("`game_system_id`");
    vals.push_back(gsid_);
  }
  if (counts.updated > 0) {
    std::string set;
    for (size_t i = 0; i < cols.size(); ++i) set += std::string(i ? ", " : "") + "r." + cols[i] + " = " + vals[i];
    BAMORT_RETURN_IF_ERROR(conn_->Execute("UPDATE " + Q(e_.table) + " r JOIN " + t + " t ON r.`id` = t.`_id` SET " + set +
                                          " WHERE t.`_chg` = 1"));
  }
  if (counts.inserted > 0) {
    std::string c, v;
    for (size_t i = 0; i < cols.size(); ++i) {
      c += std::string(i ? ", " : "") + cols[i];
      v += std::string(i ? ", " : "") + vals[i];
    }
    BAMORT_RETURN_IF_ERROR(conn_->Execute("INSERT INTO " + Q(e_.table) + " (" + c + ") SELECT " + v + " FROM " + t +
                                          " t WHERE t.`_id` IS NULL ORDER BY t.`_pos`"));
    if (rematch) {
      // The new rows got ids in file order, so numbering again gives every record its row.
      std::vector<KeyPart> parts = KeyParts(e_);
      std::string on;
      for (size_t i = 0; i < parts.size(); ++i) on += " AND x.k" + std::to_string(i) + " <=> " + parts[i].tmp_expr;
      BAMORT_RETURN_IF_ERROR(BuildMatchTable());
      BAMORT_RETURN_IF_ERROR(conn_->Execute("UPDATE " + t + " t JOIN " + Q(OrdName(e_)) +
                                            " o ON o.`_pos` = t.`_pos` JOIN " + Q(MatchName(e_)) +
                                            " x ON x.`_ord` = o.`_ord`" + on +
                                            " SET t.`_id` = x.`id` WHERE t.`_id` IS NULL"));
    }
  }
  return Status::Ok();
}

Status EntityImport::Prune() {
  uint64_t n = 0;
  BAMORT_RETURN_IF_ERROR(conn_->Execute("DELETE r FROM " + Q(e_.table) + " r JOIN " + Q(PruneName(e_)) +
                                            " p ON p.`id` = r.`id`",
                                        &n));
  counts.pruned = n;
  return Status::Ok();
}

void EntityImport::DropTemporary() {
  if (conn_->broken()) return;
  for (const std::string& name : {TmpName(e_), MatchName(e_), OrdName(e_), IdsName(e_), PruneName(e_)})
    conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + Q(name)).ok();
}

Status RunImport(Connection* conn, const masterdata::MasterDataDocument& doc, const masterdata::SourceInfo& info,
                 const ImportOptions& options, ImportResult* result,
                 std::map<std::string, std::unique_ptr<EntityImport>>* imports,
                 std::vector<EntityImport*>* order_out) {
  PhaseClock clock(result);
  std::vector<const EntitySpec*> order;
  BAMORT_RETURN_IF_ERROR(masterdata::ValidateEntities(masterdata::Entities()));
  BAMORT_RETURN_IF_ERROR(masterdata::ImportOrder(masterdata::Entities(), &order));

  Value gsid;
  Status s = conn->QueryValue("SELECT `id` FROM `game_systems` WHERE `code` = " + conn->Quote(doc.game_system) +
                                  " ORDER BY `id` LIMIT 1",
                              &gsid);
  if (!s.ok() && s.db_errno() == dberr::kNoSuchTable)
    return Status::Precondition("the database has no game_systems table (DB version below 0.5.0)",
                                "run bamort-migrate first");
  BAMORT_RETURN_IF_ERROR(s);
  if (!gsid)
    return Status::BadInput("game_system '" + doc.game_system + "' of the master data is not in game_systems",
                            "the migrations seed 'M5'; use that code in the export's game_system");

  std::vector<EntityImport*> carried;
  for (const EntitySpec* spec : order) {
    std::string file;
    auto f = info.file_of.find(spec->parent.empty() ? spec->name : spec->parent);
    file = f != info.file_of.end() ? f->second : spec->name + ".json";
    auto imp = std::make_unique<EntityImport>(conn, *spec, file, *gsid, imports);
    EntityImport* e = imp.get();
    (*imports)[spec->name] = std::move(imp);
    order_out->push_back(e);
    e->counts.name = spec->name;
    e->counts.table = spec->table;
    BAMORT_RETURN_IF_ERROR(e->CreateAndLoad(doc));
    clock.Lap("load");
    if (!e->carried()) {
      // Not in the source: leave the table alone, report it as not carried.
      BAMORT_RETURN_IF_ERROR(e->Match());
      clock.Lap("match");
      continue;
    }
    BAMORT_RETURN_IF_ERROR(e->ResolveReferences(options.prune));
    clock.Lap("resolve");
    BAMORT_RETURN_IF_ERROR(e->Match());
    clock.Lap("match");
    bool has_children = false;
    for (const EntitySpec& c : masterdata::Entities()) has_children = has_children || c.parent == spec->name;
    BAMORT_RETURN_IF_ERROR(e->Apply(options.prune, has_children));
    clock.Lap("apply");
    spdlog::info("{}: {} in file, {} inserted, {} updated, {} unchanged, {} only in the database", spec->name,
                 e->counts.in_file, e->counts.inserted, e->counts.updated, e->counts.unchanged,
                 e->counts.only_in_database);
    carried.push_back(e);
  }
  if (options.prune)
    for (auto it = carried.rbegin(); it != carried.rend(); ++it) BAMORT_RETURN_IF_ERROR((*it)->Prune());
  clock.Lap("prune");
  return Status::Ok();
}

}  // namespace

Status ImportMasterData(Connection* conn, const std::string& source, const ImportOptions& options,
                        ImportResult* result) {
  result->source = source;
  result->dry_run = options.dry_run;
  PhaseClock clock(result);
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  Status read = masterdata::ReadMasterData(source, &doc, &info);
  clock.Lap("read");
  result->source_kind = info.kind;
  result->source_format = info.format;
  result->transform_log = info.transform_log;
  result->warnings = info.warnings;
  BAMORT_RETURN_IF_ERROR(read);
  result->game_system = doc.game_system;
  for (const std::string& line : info.transform_log) spdlog::info("transform: {}", line);

  BAMORT_RETURN_IF_ERROR(conn->Execute("START TRANSACTION"));
  std::map<std::string, std::unique_ptr<EntityImport>> imports;
  std::vector<EntityImport*> order;
  Status s = RunImport(conn, doc, info, options, result, &imports, &order);
  clock = PhaseClock(result);
  if (s.ok() && !options.dry_run) {
    s = conn->Execute("COMMIT");
    result->committed = s.ok();
  } else {
    Status rb = conn->Execute("ROLLBACK");
    if (!rb.ok() && s.ok()) s = rb;
  }
  clock.Lap("commit");
  for (EntityImport* e : order) {
    if (s.ok()) {
      EntityImportCounts c = e->counts;
      if (!e->carried()) c.in_file = c.inserted = c.updated = c.unchanged = 0;
      result->entities.push_back(c);
    }
    e->DropTemporary();
  }
  if (!s.ok() && s.db_errno() == dberr::kDuplicateEntry)
    return Status::BadInput("the master data collides with a unique index: " + s.message(),
                            "two records whose names differ only in case or accents cannot both exist; "
                            "nothing was written");
  return s;
}

}  // namespace bamort
