#include "masterdata/record_checks.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <climits>
#include <map>
#include <set>

#include "common/embedded_files.h"
#include "common/semver.h"
#include "common/utf8.h"
#include "masterdata/entities.h"
#include "masterdata/record_values.h"

namespace bamort::masterdata {

namespace {

// What a column can hold, from its COLUMN_TYPE.
struct ColumnRule {
  std::string name;         // "gsm_lit_sources.code", for messages
  size_t max_chars = 0;     // VARCHAR(n) / CHAR(n); 0 = no character limit
  size_t max_bytes = 0;     // TEXT types; 0 = no byte limit
  bool has_range = false;   // integer types
  long long lo = LLONG_MIN, hi = LLONG_MAX;
  bool not_null = false;
};

// type: COLUMN_TYPE as the expected schema holds it ("varchar(191)", "int(11) unsigned").
ColumnRule RuleOf(const std::string& table, const std::string& column, const std::string& t, bool nullable) {
  ColumnRule r;
  r.name = table + "." + column;
  r.not_null = !nullable;
  auto starts = [&](const char* p) { return t.rfind(p, 0) == 0; };
  bool is_unsigned = t.find("unsigned") != std::string::npos;
  if (starts("varchar(") || starts("char(")) {
    r.max_chars = std::strtoul(t.c_str() + t.find('(') + 1, nullptr, 10);
  } else if (t == "tinytext") {
    r.max_bytes = 255;
  } else if (t == "text") {
    r.max_bytes = 65535;
  } else if (t == "mediumtext") {
    r.max_bytes = 16777215;
  } else {
    struct IntType { const char* prefix; long long lo, hi; unsigned long long uhi; };
    static const IntType kInts[] = {{"tinyint", -128, 127, 255},
                                    {"smallint", -32768, 32767, 65535},
                                    {"mediumint", -8388608, 8388607, 16777215},
                                    {"int", INT32_MIN, INT32_MAX, UINT32_MAX},
                                    {"bigint", LLONG_MIN, LLONG_MAX, LLONG_MAX}};
    for (const IntType& i : kInts) {
      if (!starts(i.prefix) || t.size() <= std::char_traits<char>::length(i.prefix) ||
          t[std::char_traits<char>::length(i.prefix)] != '(')
        continue;
      r.has_range = true;
      r.lo = is_unsigned ? 0 : i.lo;
      r.hi = is_unsigned ? static_cast<long long>(i.uhi) : i.hi;
    }
  }
  return r;
}

// Per entity: a rule per field, then one per reference key value (the target's match
// column: a longer value can name no row).
struct EntityRules {
  std::vector<ColumnRule> columns;  // fields, then every reference's json_fields, as in EntityState
  std::vector<bool> is_key;         // same layout
};

bool ParseCount(const std::string& text, long long* out) {
  if (text.empty() || text.find_first_not_of("-0123456789") != std::string::npos) return false;
  errno = 0;
  *out = std::strtoll(text.c_str(), nullptr, 10);
  return errno != ERANGE;
}

// The columns of the newest expected schema this build embeds (lib/schema/expected/,
// generated from the migrations): "table.column" -> rule. Read from the embedded JSON
// directly, so master data needs nothing of lib/schema.
const std::map<std::string, ColumnRule>& ExpectedColumns() {
  static const std::map<std::string, ColumnRule> columns = [] {
    std::map<std::string, ColumnRule> out;
    const EmbeddedFile* newest = nullptr;
    SemVer best{};
    for (const EmbeddedFile& f : EmbeddedSchemaFiles()) {
      SemVer v;
      if (!SemVer::Parse(f.name.substr(0, f.name.size() - 5), &v).ok() || (newest && !(v > best))) continue;
      newest = &f;
      best = v;
    }
    JsonValue schema;
    if (newest == nullptr || !ParseJsonValue(newest->content, &schema).ok() || !schema.is_object()) return out;
    const JsonValue* tables = schema.Find("tables");
    if (tables == nullptr || !tables->is_array()) return out;
    for (const JsonValue& t : tables->items()) {
      const JsonValue* name = t.Find("name");
      const JsonValue* cols = t.Find("columns");
      if (name == nullptr || cols == nullptr || !cols->is_array()) continue;
      for (const JsonValue& c : cols->items()) {
        const JsonValue* cname = c.Find("name");
        const JsonValue* type = c.Find("type");
        const JsonValue* nullable = c.Find("nullable");
        if (cname == nullptr || type == nullptr) continue;
        out[name->text() + "." + cname->text()] =
            RuleOf(name->text(), cname->text(), type->text(), nullable == nullptr || nullable->bool_value());
      }
    }
    return out;
  }();
  return columns;
}

ColumnRule ColumnOf(const std::string& table, const std::string& column) {
  auto it = ExpectedColumns().find(table + "." + column);
  if (it != ExpectedColumns().end()) return it->second;
  ColumnRule none;
  none.name = table + "." + column;
  return none;
}

EntityRules BuildRules(const EntitySpec& e) {
  EntityRules r;
  auto key = [&](const std::string& json) { return std::find(e.key.begin(), e.key.end(), json) != e.key.end(); };
  for (const FieldSpec& f : e.fields) {
    r.columns.push_back(ColumnOf(e.table, f.column));
    r.is_key.push_back(key(f.json));
  }
  for (const ReferenceSpec& ref : e.references) {
    const EntitySpec* target = FindEntity(ref.target);
    for (size_t k = 0; k < ref.json_fields.size(); ++k) {
      ColumnRule c = target && k < ref.match_columns.size() ? ColumnOf(target->table, ref.match_columns[k])
                                                            : ColumnRule{};
      c.not_null = false;  // the reference, not the target's column, says what may be empty
      r.columns.push_back(c);
      r.is_key.push_back(key(ref.json_fields[k]));
    }
  }
  return r;
}

const EntityRules& RulesOf(const EntitySpec& e) {
  static const std::map<std::string, EntityRules> rules = [] {
    std::map<std::string, EntityRules> m;
    for (const EntitySpec& spec : Entities()) m[spec.name] = BuildRules(spec);
    return m;
  }();
  return rules.at(e.name);
}

const char* KindName(const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::kNull: return "null";
    case JsonValue::Type::kBool: return "a boolean";
    case JsonValue::Type::kNumber: return "a number";
    case JsonValue::Type::kString: return "text";
    case JsonValue::Type::kArray: return "an array";
    case JsonValue::Type::kObject: return "an object";
  }
  return "?";
}

// "" when the text fits the rule; otherwise what is wrong with it.
std::string TextProblem(const std::string& text, const ColumnRule& rule) {
  if (text.find('\0') != std::string::npos)
    return "contains a NUL character (\\u0000) at byte " + std::to_string(text.find('\0'));
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad))
    return "is not valid UTF-8 (byte " + std::to_string(bad) + ": '" + PrintableText(text.substr(bad, 4), 4) +
           "'; overlong forms and surrogates are invalid too)";
  if (rule.max_chars && text.size() > rule.max_chars && Utf8Length(text) > rule.max_chars)
    return "has " + std::to_string(Utf8Length(text)) + " characters, more than the " +
           std::to_string(rule.max_chars) + " of " + rule.name;
  if (rule.max_bytes && text.size() > rule.max_bytes)
    return "has " + std::to_string(text.size()) + " bytes, more than the " + std::to_string(rule.max_bytes) + " of " +
           rule.name;
  return "";
}

// "" when the value may go into the column; otherwise what is wrong with it.
std::string ValueProblem(const JsonValue* v, const std::string& json, FieldType type, const ColumnRule& rule,
                         bool is_key, bool required) {
  if (v == nullptr || v->is_null()) {
    const char* what = v ? "is null" : "is missing";
    if (is_key) return std::string(what) + ", but it is part of the natural key";
    if (required) return std::string(what) + ", but the reference is required";
    if (v && rule.not_null) return std::string(what) + ", but " + rule.name + " is NOT NULL";
    return "";
  }
  if (type == FieldType::kString) {
    if (v->type() != JsonValue::Type::kString) return std::string("is ") + KindName(*v) + ", expected text";
    if (required && v->text().empty()) return "is empty, but the reference is required";
    return TextProblem(v->text(), rule);
  }
  std::string text;
  Status s = ValueText(v, json, type, &text);
  if (!s.ok()) {
    // ValueText's message starts with "field 'x' ".
    std::string m = s.message();
    std::string prefix = "field '" + json + "' ";
    return m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m;
  }
  long long n = 0;
  if (type == FieldType::kInt && rule.has_range && ParseCount(text, &n) && (n < rule.lo || n > rule.hi))
    return "is " + text + ", outside the range of " + rule.name + " (" + std::to_string(rule.lo) + " to " +
           std::to_string(rule.hi) + ")";
  return "";
}

// "(name 'Feuerball', game_system 'midgard')" from the record's key fields that are text.
std::string KeyText(const EntitySpec& e, const JsonValue& rec) {
  std::string out;
  for (const std::string& k : e.key) {
    const JsonValue* v = rec.Find(k);
    if (v == nullptr || v->type() != JsonValue::Type::kString) continue;
    out += (out.empty() ? "" : ", ") + k + " '" + PrintableText(v->text(), 60) + "'";
  }
  return out.empty() ? "" : " (" + out + ")";
}

Status CheckRecord(const EntitySpec& e, const JsonValue& rec, const std::string& where) {
  const EntityRules& rules = RulesOf(e);
  size_t c = 0;
  auto fail = [&](const std::string& field, const std::string& problem) {
    return Status::BadInput(where + KeyText(e, rec) + ": field '" + field + "' " + problem,
                            "fix the export (or the database it came from); nothing was written");
  };
  for (const FieldSpec& f : e.fields) {
    std::string p = ValueProblem(rec.Find(f.json), f.json, f.type, rules.columns[c], rules.is_key[c], false);
    if (!p.empty()) return fail(f.json, p);
    ++c;
  }
  for (const ReferenceSpec& r : e.references)
    for (size_t k = 0; k < r.json_fields.size(); ++k) {
      bool required = k == 0 && !r.optional;
      std::string p = ValueProblem(rec.Find(r.json_fields[k]), r.json_fields[k], FieldType::kString,
                                   rules.columns[c], rules.is_key[c], required);
      if (!p.empty()) return fail(r.json_fields[k], p);
      ++c;
    }
  return Status::Ok();
}

}  // namespace

Status CheckRecords(const MasterDataDocument& doc, const SourceInfo& info) {
  for (const EntitySpec& e : Entities()) {
    const std::string& array_entity = e.parent.empty() ? e.name : e.parent;
    auto it = doc.data.find(array_entity);
    if (it == doc.data.end()) continue;
    auto f = info.file_of.find(array_entity);
    std::string file = f != info.file_of.end() ? f->second : array_entity + ".json";
    const JsonValue& records = it->second;
    for (size_t i = 0; i < records.size(); ++i) {
      std::string where = file + " record " + std::to_string(i + 1);
      if (e.parent.empty()) {
        BAMORT_RETURN_IF_ERROR(CheckRecord(e, records.at(i), where));
        continue;
      }
      const JsonValue* children = records.at(i).Find(e.parent_field);
      if (children == nullptr || children->is_null()) continue;
      if (!children->is_array()) return Status::BadInput(where + ": " + e.parent_field + " is not an array");
      for (size_t c = 0; c < children->size(); ++c) {
        std::string child = where + " " + e.parent_field + "[" + std::to_string(c) + "]";
        if (!children->at(c).is_object()) return Status::BadInput(child + " is not an object");
        BAMORT_RETURN_IF_ERROR(CheckRecord(e, children->at(c), child));
      }
    }
  }
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"game_system", &doc.game_system},
                                     {"backend_version", &doc.backend_version},
                                     {"timestamp", &doc.timestamp},
                                     {"sample", &doc.sample}}) {
    std::string p = TextProblem(*value, ColumnRule{});
    if (!p.empty()) return Status::BadInput("the master data's header: " + std::string(field) + " " + p);
  }
  return Status::Ok();
}

Status CheckRecordCounts(const JsonValue* counts, const MasterDataDocument& doc, const std::string& file) {
  if (counts == nullptr) return Status::Ok();
  if (!counts->is_object()) return Status::BadInput(file + ": \"records\" is not an object of counts");
  std::map<std::string, uint64_t> actual;
  for (const auto& [name, n] : CountRecords(doc)) actual[name] = n;
  const auto& names = counts->keys();
  for (size_t m = 0; m < names.size(); ++m) {
    const JsonValue& v = counts->at(m);
    long long declared = -1;
    if (v.type() != JsonValue::Type::kNumber || !ParseCount(v.text(), &declared) || declared < 0)
      return Status::BadInput(file + ": records." + PrintableText(names[m]) + " is not a count");
    auto it = actual.find(names[m]);
    uint64_t have = it == actual.end() ? 0 : it->second;
    if (static_cast<uint64_t>(declared) != have)
      return Status::BadInput(file + ": records." + PrintableText(names[m]) + " says " + std::to_string(declared) +
                                  " records, the master data holds " + std::to_string(have),
                              "the export is incomplete or was edited; export it again");
  }
  for (const auto& [name, n] : actual)
    if (counts->Find(name) == nullptr)
      return Status::BadInput(file + ": records lacks '" + name + "' (" + std::to_string(n) + " records in the data)",
                              "the export is incomplete or was edited; export it again");
  return Status::Ok();
}

Status CheckPackageMetadata(const std::string& text, const MasterDataDocument& doc, const std::string& file) {
  JsonValue meta;
  Status parsed = ParseJsonValue(text, &meta);
  if (!parsed.ok()) return Status::BadInput(file + ": malformed JSON: " + parsed.message(), "rebuild the package");
  if (!meta.is_object()) return Status::BadInput(file + ": expected a JSON object", "rebuild the package");
  const JsonValue* counts = meta.Find("records");
  if (counts == nullptr) return Status::BadInput(file + ": \"records\" is missing", "rebuild the package");
  BAMORT_RETURN_IF_ERROR(CheckRecordCounts(counts, doc, file));
  uint64_t total = 0;
  for (const auto& [name, n] : CountRecords(doc)) total += n;
  const JsonValue* declared = meta.Find("total_records");
  long long t = -1;
  if (declared == nullptr || declared->type() != JsonValue::Type::kNumber || !ParseCount(declared->text(), &t) ||
      static_cast<uint64_t>(t) != total)
    return Status::BadInput(file + ": total_records is " + (declared ? PrintableText(declared->text()) : "missing") +
                                ", the master data holds " + std::to_string(total),
                            "rebuild the package");
  const JsonValue* gs = meta.Find("game_system");
  if (gs != nullptr && gs->text() != doc.game_system)
    return Status::BadInput(file + ": game_system '" + PrintableText(gs->text()) + "' differs from the master data's '" +
                            PrintableText(doc.game_system) + "'", "rebuild the package");
  return Status::Ok();
}

}  // namespace bamort::masterdata
