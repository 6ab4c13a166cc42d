#include "masterdata/importer.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include "db/collation_keys.h"
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

constexpr uint32_t kNone = 0xffffffffu;

bool ParseInt(const std::string& text, long long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *out = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && *end == '\0';
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return *end == '\0';
}

// A NULL in the table compares the way the export writes it: "" for a string, 0 for a
// number or an id. The format has no NULL, so exporting a database and importing the
// export into it again must find every row unchanged (and match it, rather than insert
// a second row for a NULL key part).
const std::string kNullAsNumber = "0";

bool SameId(const Value& db, uint64_t id) {
  if (!db) return id == 0;
  long long v;
  return ParseInt(*db, &v) && static_cast<uint64_t>(v) == id;
}

bool SameString(const Value& db, const std::string& file) { return db ? *db == file : file.empty(); }

// The same number, as the server compares a numeric column with a typed value.
bool SameNumber(FieldType type, const Value& db, const std::string& file) {
  if (!db) return SameNumber(type, Value(kNullAsNumber), file);
  long long a, b;
  if (type == FieldType::kInt && ParseInt(*db, &a) && ParseInt(file, &b)) return a == b;
  double x, y;
  return ParseDouble(*db, &x) && ParseDouble(file, &y) && x == y;
}

// A number from the database in the file's normalised text (record_values.h), for keys;
// false when it is no number.
bool CanonicalNumber(FieldType type, const std::string& db, std::string* out) {
  long long v;
  double d;
  if (type == FieldType::kInt && ParseInt(db, &v)) {
    *out = std::to_string(v);
    return true;
  }
  if (!ParseDouble(db, &d)) return false;
  if (type == FieldType::kBool) *out = d != 0 ? "1" : "0";
  else if (type == FieldType::kInt) *out = std::to_string(static_cast<long long>(d));
  else *out = masterdata::FormatDouble(d);
  return true;
}

// The first n characters of UTF-8 text, as MariaDB's LEFT() counts them.
std::string Utf8Left(const std::string& s, int n) {
  size_t i = 0;
  for (int chars = 0; i < s.size() && chars < n; ++chars) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

// One part of a composite key, length-prefixed so that parts cannot run into each other.
void AppendPart(std::string* key, std::string_view part) {
  uint32_t n = static_cast<uint32_t>(part.size());
  key->append(reinterpret_cast<const char*>(&n), sizeof n);
  key->append(part);
}

// The rows of an entity's table that a reference can name, by the collation keys of
// the reference's match columns: the smallest id where a name is ambiguous (and its
// first match column, for the copy columns of link tables).
struct TargetRows {
  std::unordered_map<std::string, std::pair<uint64_t, Value>> by_key;
};

// One entity of the import: its records as normalised text, then their resolved
// references, their rows in the table, and what applying them changes.
struct EntityState {
  const EntitySpec* spec = nullptr;
  std::string file;
  bool carried = false;
  size_t width = 0;                  // texts per record: the fields, then every reference's key values
  std::vector<size_t> ref_offset;    // index of reference j's first key value within a record
  std::vector<std::string> texts;    // records x width
  // The collation keys of the texts that keys and references compare (string key
  // fields and reference values): records x collated_columns.size().
  std::vector<size_t> collated_columns;
  std::vector<size_t> collated_slot;  // column -> index into collated_columns
  std::vector<std::string> collated;
  // Where record i came from, to name it in messages: (record index, index in the
  // parent's array or -1).
  std::vector<std::pair<uint32_t, int32_t>> origin;
  std::vector<uint64_t> pid;         // the parent's id (embedded entities)
  std::vector<uint64_t> ref_ids;     // records x references; 0 = an optional reference left empty
  std::vector<Value> ref_copies;     // records x references (copy columns only)
  std::vector<FieldType> key_types;  // per key part (@parent and references are ids: kInt)
  std::unordered_map<std::string, uint32_t> first_of_key;  // key -> first record with it
  std::vector<uint32_t> next_of_key;                       // record -> next record with its key
  std::vector<uint64_t> ids;         // the row of each record; 0 = to insert
  std::vector<uint8_t> changed;
  std::unordered_set<uint64_t> doomed;  // ids only in the database, with --prune
  EntityImportCounts counts;

  size_t size() const { return origin.size(); }
  const std::string& text(size_t record, size_t column) const { return texts[record * width + column]; }
  const std::string& collation_key(size_t record, size_t column) const {
    return collated[record * collated_columns.size() + collated_slot[column]];
  }
  std::string Describe(size_t record) const {
    auto [index, child] = origin[record];
    std::string d = file + " record " + std::to_string(index + 1);
    if (child >= 0) d += " " + spec->parent_field + "[" + std::to_string(child) + "]";
    return d;
  }
};

class PreparedQueue;

class Importer {
 public:
  Importer(Connection* conn, const ImportOptions& options, std::string gsid)
      : conn_(conn), options_(options), gsid_(std::move(gsid)), collation_(conn) {
    long long v = 0;
    ParseInt(gsid_, &v);
    gsid_number_ = static_cast<uint64_t>(v);
  }

  // Frees doc's arrays once every entity that reads them is prepared: the memory of
  // the parsed records is reused for the texts of the next ones.
  Status Run(masterdata::MasterDataDocument* doc, const masterdata::SourceInfo& info, ImportResult* result);
  void DropTemporary();
  const std::vector<std::unique_ptr<EntityState>>& entities() const { return entities_; }

 private:
  // Reads the records of e into text and asks for their collation keys; runs on the
  // preparing thread (its own connection and keys), touching nothing but e.
  static Status Prepare(const masterdata::MasterDataDocument& doc, CollationKeys* keys, EntityState* e);
  static Status AddRecord(const JsonValue& rec, size_t index, long child, EntityState* e);
  Status Targets(const ReferenceSpec& r, const TargetRows** out);
  Status Resolve(EntityState* e);
  void BuildKeys(EntityState* e);
  // SELECT list of the key parts over the table alias r (collation keys for strings).
  std::string KeySelect(const EntitySpec& spec) const;
  // The key of a table row from the KeySelect columns at row[first...] (a NULL part as
  // the export writes it); false when a numeric part is no number.
  bool RowKey(const EntityState& e, const Row& row, size_t first, std::string* key) const;
  // Streams the table's rows in id order (id, the key parts, then `columns`) and hands
  // each to on_row with the record it matches: the next of its key not yet taken, or
  // kNone.
  Status NumberRows(EntityState* e, const std::string& columns,
                    const std::function<void(uint64_t id, uint32_t record, const Row& row)>& on_row);
  Status Match(EntityState* e);
  Status Rematch(EntityState* e);
  bool Same(const EntityState& e, size_t record, const Row& row, size_t first) const;
  void RecordValues(const EntityState& e, size_t record, std::vector<Value>* out) const;
  std::vector<std::string> Columns(const EntitySpec& spec) const;
  Status Apply(EntityState* e, bool rematch);
  Status Prune(EntityState* e);
  // Imports the entities in order as the queue says they are prepared (or prepares
  // each itself with prepare_inline, when there is no second connection).
  Status RunPrepared(PreparedQueue* prepared, PhaseClock* clock,
                     const std::function<Status(size_t)>& prepare_inline);

  Connection* conn_;
  ImportOptions options_;
  std::string gsid_;
  uint64_t gsid_number_ = 0;
  CollationKeys collation_;
  std::vector<std::unique_ptr<EntityState>> entities_;
  std::map<std::string, EntityState*> by_name_;
  std::map<std::string, TargetRows> targets_;  // by target table and match columns
  std::vector<std::string> temporary_;
};

Status Importer::Prepare(const masterdata::MasterDataDocument& doc, CollationKeys* keys, EntityState* e) {
  const EntitySpec& spec = *e->spec;
  e->width = spec.fields.size();
  for (const ReferenceSpec& r : spec.references) {
    e->ref_offset.push_back(e->width);
    e->width += r.json_fields.size();
  }
  if (spec.parent.empty()) {
    auto it = doc.data.find(spec.name);
    if (it != doc.data.end()) {
      e->carried = true;
      e->texts.reserve(it->second.size() * e->width);
      for (size_t i = 0; i < it->second.size(); ++i) BAMORT_RETURN_IF_ERROR(AddRecord(it->second.at(i), i, -1, e));
    }
  } else {
    auto it = doc.data.find(spec.parent);
    if (it != doc.data.end()) {
      e->carried = true;
      for (size_t i = 0; i < it->second.size(); ++i) {
        const JsonValue* children = it->second.at(i).Find(spec.parent_field);
        if (children == nullptr || children->is_null()) continue;
        if (!children->is_array())
          return Status::BadInput(e->file + " record " + std::to_string(i + 1) + ": " + spec.parent_field +
                                  " is not an array");
        for (size_t c = 0; c < children->size(); ++c) {
          if (!children->at(c).is_object())
            return Status::BadInput(e->file + " record " + std::to_string(i + 1) + ": " + spec.parent_field + "[" +
                                    std::to_string(c) + "] is not an object");
          BAMORT_RETURN_IF_ERROR(AddRecord(children->at(c), i, static_cast<long>(c), e));
        }
      }
    }
  }
  e->counts.in_file = e->size();
  // Every string a key or a reference compares: their collation keys come from the server.
  e->collated_slot.assign(e->width, SIZE_MAX);
  for (size_t f = 0; f < spec.fields.size(); ++f) {
    if (spec.fields[f].type != FieldType::kString) continue;
    for (const std::string& k : spec.key)
      if (k == spec.fields[f].json && e->collated_slot[f] == SIZE_MAX) {
        e->collated_slot[f] = e->collated_columns.size();
        e->collated_columns.push_back(f);
      }
  }
  for (size_t c = spec.fields.size(); c < e->width; ++c) {
    e->collated_slot[c] = e->collated_columns.size();
    e->collated_columns.push_back(c);
  }
  for (size_t i = 0; i < e->size(); ++i)
    for (size_t c : e->collated_columns) keys->Want(e->text(i, c));
  BAMORT_RETURN_IF_ERROR(keys->Fetch());
  e->collated.reserve(e->size() * e->collated_columns.size());
  for (size_t i = 0; i < e->size(); ++i)
    for (size_t c : e->collated_columns) e->collated.push_back(keys->Of(e->text(i, c)));
  return Status::Ok();
}

Status Importer::AddRecord(const JsonValue& rec, size_t index, long child, EntityState* e) {
  e->origin.emplace_back(static_cast<uint32_t>(index), static_cast<int32_t>(child));
  size_t record = e->size() - 1;
  e->texts.resize(e->texts.size() + e->width);
  size_t c = record * e->width;
  for (const FieldSpec& f : e->spec->fields) {
    Status s = masterdata::ScalarText(rec, f.json, f.type, &e->texts[c++]);
    if (!s.ok()) return Status::BadInput(e->Describe(record) + ": " + s.message());
  }
  for (const ReferenceSpec& r : e->spec->references)
    for (const std::string& j : r.json_fields) {
      Status s = masterdata::ScalarText(rec, j, FieldType::kString, &e->texts[c++]);
      if (!s.ok()) return Status::BadInput(e->Describe(record) + ": " + s.message());
    }
  return Status::Ok();
}

Status Importer::Targets(const ReferenceSpec& r, const TargetRows** out) {
  const EntitySpec& target = *by_name_.at(r.target)->spec;
  std::string cache_key = target.table;
  for (const std::string& c : r.match_columns) cache_key += "\n" + c;
  auto it = targets_.find(cache_key);
  if (it == targets_.end()) {
    TargetRows rows;
    std::string sql = "SELECT r.`id`";
    for (const std::string& c : r.match_columns) sql += ", " + CollationKeys::SqlFor("r." + Q(c));
    sql += ", r." + Q(r.match_columns[0]) + " FROM " + Q(target.table) + " r";
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

Status Importer::Resolve(EntityState* e) {
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
      if (options_.prune && target.doomed.count(id))
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

void Importer::BuildKeys(EntityState* e) {
  const EntitySpec& spec = *e->spec;
  size_t n = e->size(), refs = spec.references.size();
  e->next_of_key.assign(n, kNone);
  e->first_of_key.clear();
  e->first_of_key.reserve(n);
  std::vector<uint32_t> last_of_first(n, kNone);  // first record of a key -> its last so far
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

std::string Importer::KeySelect(const EntitySpec& spec) const {
  std::string sql;
  for (const std::string& k : spec.key) {
    if (k == "@parent") {
      sql += ", r." + Q(spec.parent_column);
      continue;
    }
    bool done = false;
    for (size_t f = 0; f < spec.fields.size() && !done; ++f)
      if (spec.fields[f].json == k) {
        std::string col = "r." + Q(spec.fields[f].column);
        sql += ", " + (spec.fields[f].type == FieldType::kString ? CollationKeys::SqlFor(col) : col);
        done = true;
      }
    for (size_t j = 0; j < spec.references.size() && !done; ++j)
      if (spec.references[j].json_fields[0] == k) {
        sql += ", r." + Q(spec.references[j].column);
        done = true;
      }
  }
  return sql;
}

bool Importer::RowKey(const EntityState& e, const Row& row, size_t first, std::string* key) const {
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

bool Importer::Same(const EntityState& e, size_t i, const Row& row, size_t c) const {
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

std::vector<std::string> Importer::Columns(const EntitySpec& spec) const {
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

void Importer::RecordValues(const EntityState& e, size_t i, std::vector<Value>* out) const {
  const EntitySpec& spec = *e.spec;
  size_t refs = spec.references.size();
  out->clear();
  for (size_t f = 0; f < spec.fields.size(); ++f) out->emplace_back(e.text(i, f));
  for (size_t j = 0; j < refs; ++j) {
    out->emplace_back(std::to_string(e.ref_ids[i * refs + j]));
    if (!spec.references[j].copy_column.empty()) out->push_back(e.ref_copies[i * refs + j]);
  }
  if (!spec.parent.empty()) out->emplace_back(std::to_string(e.pid[i]));
  if (spec.has_game_system_id) out->emplace_back(gsid_);
}

Status Importer::NumberRows(EntityState* e, const std::string& columns,
                            const std::function<void(uint64_t id, uint32_t record, const Row& row)>& on_row) {
  const EntitySpec& spec = *e->spec;
  // Rows arrive in id order; each takes the next record of its key not yet taken.
  std::unordered_map<std::string, uint32_t> cursor = e->first_of_key;
  std::string key;
  return conn_->QueryEach(
      "SELECT r.`id`" + KeySelect(spec) + columns + " FROM " + Q(spec.table) + " r ORDER BY r.`id`",
      [&](const ResultSet&, const Row& row) {
        long long id = 0;
        ParseInt(row[0].value_or(""), &id);
        auto it = RowKey(*e, row, 1, &key) ? cursor.find(key) : cursor.end();
        uint32_t record = kNone;
        if (it != cursor.end() && it->second != kNone) {
          record = it->second;
          it->second = e->next_of_key[record];
        }
        on_row(static_cast<uint64_t>(id), record, row);
        return Status::Ok();
      });
}

Status Importer::Match(EntityState* e) {
  const EntitySpec& spec = *e->spec;
  BuildKeys(e);
  e->ids.assign(e->size(), 0);
  e->changed.assign(e->size(), 0);
  std::string columns;
  for (const std::string& c : Columns(spec)) columns += ", r." + Q(c);
  size_t first_value = 1 + spec.key.size();
  uint64_t matched = 0, changed = 0, rows = 0;
  BAMORT_RETURN_IF_ERROR(NumberRows(e, columns, [&](uint64_t id, uint32_t i, const Row& row) {
    ++rows;
    if (i == kNone) {
      if (options_.prune) e->doomed.insert(id);
      return;
    }
    e->ids[i] = id;
    ++matched;
    if (!Same(*e, i, row, first_value)) {
      e->changed[i] = 1;
      ++changed;
    }
  }));
  e->counts.updated = changed;
  e->counts.unchanged = matched - changed;
  e->counts.inserted = e->size() - matched;
  e->counts.only_in_database = rows - matched;
  return Status::Ok();
}

Status Importer::Rematch(EntityState* e) {
  // The new rows got ids in file order after every older row, so numbering again in id
  // order gives each record its row (the matched ones keep theirs).
  BAMORT_RETURN_IF_ERROR(NumberRows(e, "", [&](uint64_t id, uint32_t i, const Row&) {
    if (i != kNone && e->ids[i] == 0) e->ids[i] = id;
  }));
  for (size_t i = 0; i < e->size(); ++i)
    if (e->ids[i] == 0)
      return Status::Failed("internal: " + e->Describe(i) + " has no row in " + e->spec->table + " after the insert");
  return Status::Ok();
}

Status Importer::Apply(EntityState* e, bool rematch) {
  const EntitySpec& spec = *e->spec;
  std::vector<std::string> cols = Columns(spec);
  std::vector<Value> values;
  if (e->counts.updated > 0) {
    // The changed records go into a temporary copy of the columns (same types, so the
    // values convert exactly as they would in the table), then one UPDATE ... JOIN.
    std::string tmp = "_mu_" + spec.name, select = "r.`id`";
    for (const std::string& c : cols) select += ", r." + Q(c);
    BAMORT_RETURN_IF_ERROR(conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + Q(tmp)));
    BAMORT_RETURN_IF_ERROR(conn_->Execute("CREATE TEMPORARY TABLE " + Q(tmp) + " (PRIMARY KEY (`id`)) SELECT " + select +
                                          " FROM " + Q(spec.table) + " r WHERE 0"));
    temporary_.push_back(tmp);
    std::vector<std::string> tmp_cols = {"id"};
    tmp_cols.insert(tmp_cols.end(), cols.begin(), cols.end());
    MultiRowInsert ins(conn_, tmp, tmp_cols, 10000, 8 << 20);
    for (size_t i = 0; i < e->size(); ++i) {
      if (!e->changed[i]) continue;
      RecordValues(*e, i, &values);
      values.insert(values.begin(), Value(std::to_string(e->ids[i])));
      BAMORT_RETURN_IF_ERROR(ins.Add(values));
    }
    BAMORT_RETURN_IF_ERROR(ins.Finish());
    std::string set;
    for (const std::string& c : cols) set += std::string(set.empty() ? "" : ", ") + "r." + Q(c) + " = t." + Q(c);
    BAMORT_RETURN_IF_ERROR(
        conn_->Execute("UPDATE " + Q(spec.table) + " r JOIN " + Q(tmp) + " t ON r.`id` = t.`id` SET " + set));
  }
  if (e->counts.inserted > 0) {
    // 2,000 rows per statement: MultiRowInsert builds the next statement while the
    // server runs this one, and with 1,000-2,000 rows the two overlapped best (10,000
    // left the server idle longer while the first statement was built).
    MultiRowInsert ins(conn_, spec.table, cols, 2000, 4 << 20);
    for (size_t i = 0; i < e->size(); ++i) {
      if (e->ids[i] != 0) continue;
      RecordValues(*e, i, &values);
      BAMORT_RETURN_IF_ERROR(ins.Add(values));
    }
    BAMORT_RETURN_IF_ERROR(ins.Finish());
    if (rematch) BAMORT_RETURN_IF_ERROR(Rematch(e));
  }
  return Status::Ok();
}

Status Importer::Prune(EntityState* e) {
  std::vector<uint64_t> ids(e->doomed.begin(), e->doomed.end());
  uint64_t total = 0;
  for (size_t start = 0; start < ids.size(); start += 10000) {
    std::string list;
    for (size_t i = start; i < std::min(ids.size(), start + 10000); ++i)
      list += (list.empty() ? "" : ",") + std::to_string(ids[i]);
    uint64_t n = 0;
    BAMORT_RETURN_IF_ERROR(conn_->Execute("DELETE FROM " + Q(e->spec->table) + " WHERE `id` IN (" + list + ")", &n));
    total += n;
  }
  e->counts.pruned = total;
  return Status::Ok();
}

void Importer::DropTemporary() {
  if (conn_->broken()) return;
  for (const std::string& name : temporary_) conn_->Execute("DROP TEMPORARY TABLE IF EXISTS " + Q(name)).ok();
  temporary_.clear();
}

// Hands prepared entities from the preparing thread to the importing one, in order.
class PreparedQueue {
 public:
  void Publish(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    status_.push_back(std::move(s));
    cv_.notify_all();
  }
  Status WaitFor(size_t index) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return status_.size() > index; });
    return status_[index];
  }
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> status_;
  std::atomic<bool> cancelled_{false};
};

Status Importer::Run(masterdata::MasterDataDocument* doc, const masterdata::SourceInfo& info,
                     ImportResult* result) {
  PhaseClock clock(result);
  std::vector<const EntitySpec*> order;
  BAMORT_RETURN_IF_ERROR(masterdata::ValidateEntities(masterdata::Entities()));
  BAMORT_RETURN_IF_ERROR(masterdata::ImportOrder(masterdata::Entities(), &order));
  for (const EntitySpec* spec : order) {
    auto state = std::make_unique<EntityState>();
    EntityState* e = state.get();
    entities_.push_back(std::move(state));
    by_name_[spec->name] = e;
    e->spec = spec;
    auto f = info.file_of.find(spec->parent.empty() ? spec->name : spec->parent);
    e->file = f != info.file_of.end() ? f->second : spec->name + ".json";
    e->counts.name = spec->name;
    e->counts.table = spec->table;
  }
  // After which entity each array of the document is no longer read.
  std::map<std::string, size_t> last_reader;
  for (size_t k = 0; k < entities_.size(); ++k) {
    const EntitySpec* spec = entities_[k]->spec;
    last_reader[spec->parent.empty() ? spec->name : spec->parent] = k;
  }
  auto prepare = [this, doc, last_reader](size_t k, CollationKeys* keys) {
    Status s = Prepare(*doc, keys, entities_[k].get());
    for (const auto& [name, last] : last_reader) {
      auto it = doc->data.find(name);
      if (last == k && it != doc->data.end()) it->second = JsonValue();
    }
    return s;
  };
  // The pad weight for Trim, asked before the other thread starts.
  BAMORT_RETURN_IF_ERROR(collation_.Fetch());

  // Reading the records into text and asking for their collation keys is client work
  // that needs no row of the import, so a second thread (with its own connection, no
  // transaction) does it for the next entities while this one waits for the server's
  // INSERTs: the two cores are both busy instead of taking turns.
  PreparedQueue prepared;
  std::unique_ptr<Connection> second;
  Status opened = Connection::Open(conn_->config(), &second);
  if (!opened.ok()) {
    // Slower, not wrong: prepare each entity just before it is imported.
    spdlog::warn("no second connection for preparing records ({}); preparing in turn", opened.message());
    for (size_t k = 0; k < entities_.size(); ++k) prepared.Publish(Status::Ok());
    return RunPrepared(&prepared, &clock, [&](size_t k) { return prepare(k, &collation_); });
  }
  std::thread preparer([&] {
    CollationKeys keys(second.get());
    Status s;
    for (size_t k = 0; k < entities_.size(); ++k) {
      if (s.ok() && !prepared.cancelled()) s = prepare(k, &keys);
      prepared.Publish(s.ok() && prepared.cancelled() ? Status::Failed("cancelled") : s);
    }
  });
  Status s = RunPrepared(&prepared, &clock, nullptr);
  prepared.Cancel();
  preparer.join();
  return s;
}

Status Importer::RunPrepared(PreparedQueue* prepared, PhaseClock* clock,
                             const std::function<Status(size_t)>& prepare_inline) {
  std::vector<EntityState*> carried;
  for (size_t k = 0; k < entities_.size(); ++k) {
    EntityState* e = entities_[k].get();
    const EntitySpec* spec = e->spec;
    BAMORT_RETURN_IF_ERROR(prepared->WaitFor(k));
    if (prepare_inline) BAMORT_RETURN_IF_ERROR(prepare_inline(k));
    clock->Lap("prepare");
    if (!e->carried) {
      // Not in the source: the table is left alone; its rows are reported as only in
      // the database.
      Value rows;
      BAMORT_RETURN_IF_ERROR(conn_->QueryValue("SELECT COUNT(*) FROM " + Q(spec->table), &rows));
      long long n = 0;
      ParseInt(rows.value_or("0"), &n);
      e->counts.only_in_database = static_cast<uint64_t>(n);
      clock->Lap("match");
      continue;
    }
    BAMORT_RETURN_IF_ERROR(Resolve(e));
    clock->Lap("resolve");
    BAMORT_RETURN_IF_ERROR(Match(e));
    clock->Lap("match");
    bool has_children = false;
    for (const EntitySpec& c : masterdata::Entities()) has_children = has_children || c.parent == spec->name;
    BAMORT_RETURN_IF_ERROR(Apply(e, has_children));
    clock->Lap("apply");
    spdlog::info("{}: {} in file, {} inserted, {} updated, {} unchanged, {} only in the database", spec->name,
                 e->counts.in_file, e->counts.inserted, e->counts.updated, e->counts.unchanged,
                 e->counts.only_in_database);
    carried.push_back(e);
  }
  if (options_.prune)
    for (auto it = carried.rbegin(); it != carried.rend(); ++it) BAMORT_RETURN_IF_ERROR(Prune(*it));
  clock->Lap("prune");
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
  Value gsid;
  Status s = conn->QueryValue("SELECT `id` FROM `game_systems` WHERE `code` = " + conn->Quote(doc.game_system) +
                                  " ORDER BY `id` LIMIT 1",
                              &gsid);
  if (!s.ok() && s.db_errno() == dberr::kNoSuchTable)
    s = Status::Precondition("the database has no game_systems table (DB version below 0.5.0)",
                             "run bamort-migrate first");
  else if (s.ok() && !gsid)
    s = Status::BadInput("game_system '" + doc.game_system + "' of the master data is not in game_systems",
                         "the migrations seed 'M5'; use that code in the export's game_system");
  std::unique_ptr<Importer> importer;
  if (s.ok()) {
    importer = std::make_unique<Importer>(conn, options, *gsid);
    s = importer->Run(&doc, info, result);
  }
  clock = PhaseClock(result);
  if (s.ok() && !options.dry_run) {
    s = conn->Execute("COMMIT");
    result->committed = s.ok();
  } else {
    Status rb = conn->Execute("ROLLBACK");
    if (!rb.ok() && s.ok()) s = rb;
  }
  clock.Lap("commit");
  if (importer) {
    for (const auto& e : importer->entities()) {
      if (!s.ok()) break;
      EntityImportCounts c = e->counts;
      if (!e->carried) c.in_file = c.inserted = c.updated = c.unchanged = 0;
      result->entities.push_back(c);
    }
    importer->DropTemporary();
  }
  if (!s.ok() && s.db_errno() == dberr::kDuplicateEntry)
    return Status::BadInput("the master data collides with a unique index: " + s.message(),
                            "two records whose names differ only in case or accents cannot both exist; "
                            "nothing was written");
  return s;
}

}  // namespace bamort
