#include "masterdata/document.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <set>

#include <Poco/Path.h>

#include "common/env.h"
#include "common/file_io.h"
#include "common/joining_thread.h"
#include "common/text.h"
#include "masterdata/entities.h"
#include "masterdata/record_checks.h"
#include "masterdata/record_values.h"
#include "package/package.h"

namespace bamort::masterdata {

namespace {

Status ParseJson(const std::string& text, const std::string& file, JsonValue* out) {
  Status s = ParseJsonValue(text, out);
  if (!s.ok()) return Status::BadInput(file + ": malformed JSON: " + s.message());
  return Status::Ok();
}

Status ParseArray(const std::string& text, const std::string& file, JsonValue* out) {
  BAMORT_RETURN_IF_ERROR(ParseJson(text, file, out));
  if (!out->is_array()) return Status::BadInput(file + ": expected a JSON array of records");
  for (size_t i = 0; i < out->size(); ++i)
    if (!out->at(i).is_object())
      return Status::BadInput(file + ": record " + std::to_string(i + 1) + " is not a JSON object");
  return Status::Ok();
}

// A scalar member as text ("" when missing or null; numbers as their JSON text).
std::string HeaderString(const JsonValue& o, const std::string& name) {
  const JsonValue* v = o.Find(name);
  return v ? v->text() : "";
}

Status CheckVersion(const std::string& version, const std::string& file) {
  if (version == kCurrentExportVersion) return Status::Ok();
  if (version.empty()) return Status::BadInput(file + ": export_version is missing");
  return Status::BadInput(file + ": unknown export_version '" + version + "'",
                          "this build reads format 2.0 (and the upstream's unversioned 1.0 directory)");
}

// ---- format 1.0 -> 2.0: a chain of small transformers, each logged ----

struct V1Files {
  std::map<std::string, JsonValue> by_file;  // file name -> array
};

size_t RemoveField(JsonValue* records, const std::string& field) {
  size_t n = 0;
  for (JsonValue& r : records->items())
    if (r.Remove(field)) ++n;
  return n;
}

Status TransformWrap(V1Files* v1, MasterDataDocument* doc, SourceInfo* info) {
  size_t records = 0;
  for (const EntitySpec& e : Entities()) {
    if (!e.parent.empty()) continue;
    // Moved: the transformers after this one read the top-level arrays in doc->data.
    doc->data[e.name] = std::move(v1->by_file.at(e.file_v1));
    info->file_of[e.name] = e.file_v1;
    records += doc->data[e.name].size();
  }
  doc->export_version = kCurrentExportVersion;
  doc->game_system = kDefaultGameSystem;
  info->transform_log.push_back("1.0->2.0 wrap: " + std::to_string(records) +
                                " records of the 24 bare-array files wrapped into data{}; format 1.0 names no game "
                                "system, so the records are assigned to '" + std::string(kDefaultGameSystem) +
                                "' (the one the migrations seed)");
  return Status::Ok();
}

Status TransformDropGameSystemId(V1Files*, MasterDataDocument* doc, SourceInfo* info) {
  size_t n = 0;
  for (auto& [name, records] : doc->data) n += RemoveField(&records, "game_system_id");
  info->transform_log.push_back("1.0->2.0 game_system_id: removed from " + std::to_string(n) +
                                " records (main's variant; ids are never carried, the game system is set from the "
                                "document's game_system)");
  return Status::Ok();
}

Status TransformEmbeddedLinks(V1Files* v1, MasterDataDocument* doc, SourceInfo* info) {
  for (const EntitySpec& e : Entities()) {
    if (e.parent.empty()) continue;
    JsonValue& parents = doc->data.at(e.parent);
    size_t embedded = 0;
    for (size_t i = 0; i < parents.size(); ++i) {
      JsonValue& p = parents.at(i);
      const JsonValue* links = p.Find(e.parent_field);
      if (links == nullptr || links->is_null()) {
        p.Set(e.parent_field, JsonValue::Array());
      } else if (!links->is_array()) {
        return Status::BadInput(info->file_of[e.parent] + ": record " + std::to_string(i + 1) + ": " +
                                e.parent_field + " is not an array");
      } else {
        embedded += links->size();
      }
    }
    size_t flat = v1->by_file.at(e.file_v1).size();
    std::string line = "1.0->2.0 " + e.name + ": the " + std::to_string(embedded) + " links embedded in " +
                       info->file_of[e.parent] + " (" + e.parent_field + ", null -> []) are used; " + e.file_v1 +
                       " (" + std::to_string(flat) + " records) carries the same links flattened by name, which "
                       "cannot tell records of the same name apart, and is not read";
    info->transform_log.push_back(line);
    if (embedded != flat)
      info->warnings.push_back(e.file_v1 + " has " + std::to_string(flat) + " records but " + info->file_of[e.parent] +
                               " embeds " + std::to_string(embedded) + " links; the embedded links were imported");
  }
  return Status::Ok();
}

Status TransformImprovementCosts(V1Files*, MasterDataDocument* doc, SourceInfo* info) {
  const JsonValue& in = doc->data.at("skill_improvement_costs");
  JsonValue out = JsonValue::Array();
  // Exact duplicates only (byte-wise); names equal under the collation but spelled
  // differently stay separate records and are matched by the database.
  std::map<std::string, std::pair<std::string, size_t>> seen;  // key -> (te_required, record)
  for (size_t i = 0; i < in.size(); ++i) {
    const JsonValue& r = in.at(i);
    std::string cat = HeaderString(r, "category_name"), dif = HeaderString(r, "difficulty_name");
    std::string level = HeaderString(r, "current_level"), te = HeaderString(r, "te_required");
    std::string key = cat + '\x1f' + dif + '\x1f' + level;
    auto it = seen.find(key);
    if (it != seen.end()) {
      if (it->second.first != te)
        return Status::BadInput("skill_improvement_costs.json: records " + std::to_string(it->second.second + 1) +
                                " and " + std::to_string(i + 1) + " give different te_required (" + it->second.first +
                                ", " + te + ") for category '" + cat + "', difficulty '" + dif + "', level " + level,
                                "the database keeps one value per category, difficulty and level; fix the export");
      continue;
    }
    seen[key] = {te, i};
    JsonValue o = JsonValue::Object();
    auto copy = [&](const char* name, JsonValue missing) {
      const JsonValue* v = r.Find(name);
      o.Set(name, v ? *v : std::move(missing));
    };
    copy("category_name", JsonValue::String(""));
    copy("difficulty_name", JsonValue::String(""));
    copy("current_level", JsonValue::Number("0"));
    copy("te_required", JsonValue::Number("0"));
    out.Append(std::move(o));
  }
  info->transform_log.push_back("1.0->2.0 skill_improvement_costs: " + std::to_string(in.size()) + " records -> " +
                                std::to_string(out.size()) + " per (category, difficulty, current_level), main's "
                                "skill_improvement_cost2 model; the example skill each 1.0 record names is dropped");
  doc->data["skill_improvement_costs"] = std::move(out);
  return Status::Ok();
}

Status TransformReferenceSystems(V1Files*, MasterDataDocument* doc, SourceInfo* info) {
  size_t n = 0;
  for (const char* entity : {"class_category_learning_points", "class_spell_points", "class_typical_skills",
                             "class_typical_spells"}) {
    n += RemoveField(&doc->data.at(entity), "class_system");
    n += RemoveField(&doc->data.at(entity), "category_system");
  }
  n += RemoveField(&doc->data.at("misc_lookups"), "game_system");
  info->transform_log.push_back("1.0->2.0 reference systems: removed " + std::to_string(n) +
                                " class_system/category_system/misc game_system fields (class and category names are "
                                "unique across game systems; skill_system and spell_system stay)");
  return Status::Ok();
}

struct Transformer {
  const char* from;
  const char* to;
  Status (*apply)(V1Files*, MasterDataDocument*, SourceInfo*);
};

const Transformer kChain[] = {
    {"1.0", "2.0", TransformWrap},
    {"1.0", "2.0", TransformDropGameSystemId},
    {"1.0", "2.0", TransformEmbeddedLinks},
    {"1.0", "2.0", TransformImprovementCosts},
    {"1.0", "2.0", TransformReferenceSystems},
};

Status ParseV1(const FileSet& files, const std::string& source_name, MasterDataDocument* doc, SourceInfo* info) {
  V1Files v1;
  for (const EntitySpec& e : Entities()) {
    auto it = files.find(e.file_v1);
    if (it == files.end())
      return Status::BadInput(source_name + ": format 1.0 directory lacks " + e.file_v1,
                              "an upstream export has all 24 files (empty tables as [])");
    BAMORT_RETURN_IF_ERROR(ParseArray(it->second, source_name + "/" + e.file_v1, &v1.by_file[e.file_v1]));
  }
  info->format = "1.0";
  std::string version = "1.0";
  for (const Transformer& t : kChain) {
    if (version != t.from) continue;
    BAMORT_RETURN_IF_ERROR(t.apply(&v1, doc, info));
  }
  return Status::Ok();
}

// Moves the arrays out of data (a 40 MB document is not copied).
Status TakeData(JsonValue* data, const std::string& file, MasterDataDocument* doc, SourceInfo* info) {
  std::set<std::string> known;
  for (const EntitySpec& e : Entities())
    if (e.parent.empty()) known.insert(e.name);
  for (size_t m = 0; m < data->keys().size(); ++m) {
    const std::string& name = data->keys()[m];
    if (!known.count(name)) {
      info->warnings.push_back(file + ": unknown entity '" + name + "' ignored");
      continue;
    }
    JsonValue& a = data->at(m);
    if (!a.is_array()) return Status::BadInput(file + ": data." + name + " is not an array");
    for (size_t i = 0; i < a.size(); ++i)
      if (!a.at(i).is_object())
        return Status::BadInput(file + ": data." + name + " record " + std::to_string(i + 1) + " is not an object");
    doc->data[name] = std::move(a);
    info->file_of[name] = file + " data." + name;
  }
  return Status::Ok();
}

// The header members of a 2.0 document (everything but data), or of a 2.0 directory's header file.
Status ReadDocumentHeader(const JsonValue& o, const std::string& file, MasterDataDocument* doc) {
  BAMORT_RETURN_IF_ERROR(CheckVersion(HeaderString(o, "export_version"), file));
  doc->export_version = kCurrentExportVersion;
  doc->backend_version = HeaderString(o, "backend_version");
  doc->timestamp = HeaderString(o, "timestamp");
  doc->game_system = HeaderString(o, "game_system");
  doc->sample = HeaderString(o, "sample");
  if (doc->game_system.empty()) return Status::BadInput(file + ": game_system is missing");
  return Status::Ok();
}

Status ParseV2Directory(const FileSet& files, const std::string& source_name, MasterDataDocument* doc,
                        SourceInfo* info) {
  std::string header_file = source_name + "/" + kHeaderFile;
  JsonValue h;
  BAMORT_RETURN_IF_ERROR(ParseJson(files.at(kHeaderFile), header_file, &h));
  if (!h.is_object()) return Status::BadInput(header_file + ": expected a JSON object");
  BAMORT_RETURN_IF_ERROR(ReadDocumentHeader(h, header_file, doc));
  std::set<std::string> used = {kHeaderFile};
  for (const EntitySpec& e : Entities()) {
    if (!e.parent.empty()) continue;
    std::string file = e.name + ".json";
    auto it = files.find(file);
    if (it == files.end()) continue;
    BAMORT_RETURN_IF_ERROR(ParseArray(it->second, source_name + "/" + file, &doc->data[e.name]));
    info->file_of[e.name] = file;
    used.insert(file);
  }
  for (const auto& [name, content] : files)
    if (!used.count(name)) info->warnings.push_back(source_name + "/" + name + ": not a master-data file, ignored");
  info->format = "2.0";
  return CheckRecordCounts(h.Find("records"), *doc, header_file);
}

// Documents larger than this have their entity arrays parsed on two threads.
constexpr size_t kParallelParseBytes = 1 << 20;

// The arrays of data{} are independent, so a large document is cut into its members
// (SplitJsonObject) and the values parsed on two threads: reading the 24 MB benchmark
// document is most of the time the database waits for at the start of an import.
// False (and nothing in doc) when the text needs the whole-text parse: anything the cut
// or a part's parse rejects, so every malformed document still gets that parse's
// message with line and column.
bool ParseV2DocumentInParts(const std::string& text, const std::string& file, MasterDataDocument* doc,
                            SourceInfo* info, Status* status) {
  std::vector<std::pair<std::string, std::string_view>> top, entities;
  if (text.size() < kParallelParseBytes || !SplitJsonObject(text, &top)) return false;
  JsonValue header = JsonValue::Object();
  std::string_view data_text;
  for (const auto& [name, value] : top) {
    if (name == "data") {
      data_text = value;
      continue;
    }
    JsonValue v;
    if (!ParseJsonValue(value, &v).ok()) return false;
    header.Set(name, std::move(v));
  }
  if (!SplitJsonObject(data_text, &entities)) return false;
  std::vector<JsonValue> values(entities.size());
  std::vector<Status> results(entities.size());
  // Largest first, each to the thread with less text so far.
  std::vector<size_t> order(entities.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return entities[a].second.size() > entities[b].second.size(); });
  std::vector<size_t> mine[2];
  size_t bytes[2] = {0, 0};
  for (size_t i : order) {
    int t = bytes[0] <= bytes[1] ? 0 : 1;
    mine[t].push_back(i);
    bytes[t] += entities[i].second.size();
  }
  auto parse = [&](int t) {
    for (size_t i : mine[t]) results[i] = ParseJsonValue(entities[i].second, &values[i]);
  };
  JoiningThread helper([&parse] { parse(1); });
  parse(0);
  helper.Join();
  for (const Status& r : results)
    if (!r.ok()) return false;
  JsonValue data = JsonValue::Object();
  for (size_t i = 0; i < entities.size(); ++i) data.Set(entities[i].first, std::move(values[i]));
  *status = ReadDocumentHeader(header, file, doc);
  if (status->ok()) *status = TakeData(&data, file, doc, info);
  if (status->ok()) info->format = "2.0";
  return true;
}

Status ParseV2Document(const std::string& text, const std::string& file, MasterDataDocument* doc, SourceInfo* info) {
  Status in_parts;
  if (ParseV2DocumentInParts(text, file, doc, info, &in_parts)) return in_parts;
  JsonValue o;
  BAMORT_RETURN_IF_ERROR(ParseJson(text, file, &o));
  if (o.is_array())
    return Status::BadInput(file + ": a bare JSON array is one file of a format-1.0 export",
                            "give the directory that holds all 24 files");
  if (!o.is_object()) return Status::BadInput(file + ": expected a JSON object");
  BAMORT_RETURN_IF_ERROR(ReadDocumentHeader(o, file, doc));
  JsonValue* data = o.Find("data");
  if (data == nullptr || !data->is_object()) return Status::BadInput(file + ": data is missing or not an object");
  BAMORT_RETURN_IF_ERROR(TakeData(data, file, doc, info));
  info->format = "2.0";
  return Status::Ok();
}

}  // namespace

Status ReadDirectoryFiles(const std::string& dir, FileSet* out) {
  Env* env = Env::Default();
  std::vector<DirEntry> entries;
  Status listed = env->ListDir(dir, &entries);
  if (!listed.ok()) return Status::BadInput(dir + ": cannot read directory: " + listed.message());
  for (const DirEntry& e : entries) {
    if (!e.info.is_regular) continue;  // lstat's view: a symlink is skipped
    std::string content;
    BAMORT_RETURN_IF_ERROR(env->ReadFileToString(dir + "/" + e.name, &content, kMaxMasterDataBytes));
    (*out)[e.name] = std::move(content);
  }
  return Status::Ok();
}

Status ParseFileSet(const FileSet& files, const std::string& source_name, MasterDataDocument* doc, SourceInfo* info) {
  if (files.count(kHeaderFile)) return ParseV2Directory(files, source_name, doc, info);
  if (files.count("sources.json")) return ParseV1(files, source_name, doc, info);
  return Status::BadInput(source_name + ": neither a format-2.0 directory (" + kHeaderFile +
                          ") nor a format-1.0 export (sources.json and 23 more files)");
}

namespace {

Status ReadUnchecked(const std::string& source, MasterDataDocument* doc, SourceInfo* info) {
  FileInfo f;
  Status stat = Env::Default()->Stat(source, &f);
  if (!stat.ok() || !f.exists) return Status::BadInput(source + ": no such file or directory");
  const bool is_dir = f.is_dir;
  if (!is_dir && !f.is_regular)
    return Status::BadInput(source + " is not a regular file or directory (a device or pipe is not master data)");
  if (is_dir) {
    info->kind = "directory";
    FileSet files;
    BAMORT_RETURN_IF_ERROR(ReadDirectoryFiles(source, &files));
    return ParseFileSet(files, source, doc, info);
  }
  if (EndsWith(source, ".tar.gz") || EndsWith(source, ".tgz")) {
    info->kind = "package";
    package::PackageContents contents;
    BAMORT_RETURN_IF_ERROR(package::ReadPackage(source, &contents));
    BAMORT_RETURN_IF_ERROR(ParseFileSet(contents.masterdata, source + ":masterdata", doc, info));
    return CheckPackageMetadata(contents.metadata, *doc, source + ":" + package::kMetadataFile);
  }
  info->kind = "document";
  std::string text;
  BAMORT_RETURN_IF_ERROR(ReadFileToString(source, &text, kMaxMasterDataBytes));
  return ParseV2Document(text, source, doc, info);
}

}  // namespace

Status ReadMasterData(const std::string& source, MasterDataDocument* doc, SourceInfo* info) {
  BAMORT_RETURN_IF_ERROR(ReadUnchecked(source, doc, info));
  return CheckRecords(*doc, *info);
}

}  // namespace bamort::masterdata
