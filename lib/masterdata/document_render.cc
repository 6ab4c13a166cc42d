// The writing half of document.h: format 2.0 rendered byte-for-byte reproducibly (fields
// in declared order, one record per line), the directory written, and the record counts.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <Poco/Path.h>

#include "common/file_io.h"
#include "masterdata/document.h"
#include "masterdata/entities.h"
#include "masterdata/record_values.h"

namespace bamort::masterdata {

std::string FormatDouble(double d) {
  if (std::isnan(d) || std::isinf(d)) return "0";
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", d);
    return std::string(buf) == "-0" ? "0" : buf;
  }
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

namespace {

void AppendRecord(const EntitySpec& e, const JsonValue& r, std::string* out);

void AppendFields(const EntitySpec& e, const JsonValue& r, std::string* out) {
  bool first = true;
  auto sep = [&] {
    if (!first) *out += ',';
    first = false;
  };
  for (const FieldSpec& f : e.fields) {
    sep();
    *out += JsonQuote(f.json) + ':' + JsonLiteral(r, f.json, f.type);
  }
  for (const ReferenceSpec& ref : e.references)
    for (const std::string& j : ref.json_fields) {
      sep();
      *out += JsonQuote(j) + ':' + JsonLiteral(r, j, FieldType::kString);
    }
  for (const EntitySpec& child : Entities()) {
    if (child.parent != e.name) continue;
    sep();
    *out += JsonQuote(child.parent_field) + ":[";
    const JsonValue* a = r.Find(child.parent_field);
    if (a != nullptr && a->is_array()) {
      for (size_t i = 0; i < a->size(); ++i) {
        if (i) *out += ',';
        AppendRecord(child, a->at(i), out);
      }
    }
    *out += ']';
  }
}

void AppendRecord(const EntitySpec& e, const JsonValue& r, std::string* out) {
  *out += '{';
  AppendFields(e, r, out);
  *out += '}';
}

std::string RenderArray(const EntitySpec& e, const JsonValue& records, const std::string& indent) {
  if (records.size() == 0) return "[]";
  std::string out = "[\n";
  for (size_t i = 0; i < records.size(); ++i) {
    out += indent + "  ";
    AppendRecord(e, records.at(i), &out);
    out += i + 1 < records.size() ? ",\n" : "\n";
  }
  out += indent + "]";
  return out;
}

std::string RenderHeader(const MasterDataDocument& doc, const std::string& indent) {
  std::string out;
  out += indent + "\"export_version\": " + JsonQuote(doc.export_version) + ",\n";
  out += indent + "\"backend_version\": " + JsonQuote(doc.backend_version) + ",\n";
  out += indent + "\"timestamp\": " + JsonQuote(doc.timestamp) + ",\n";
  out += indent + "\"game_system\": " + JsonQuote(doc.game_system) + ",\n";
  if (!doc.sample.empty()) out += indent + "\"sample\": " + JsonQuote(doc.sample) + ",\n";
  return out;
}

}  // namespace

FileSet RenderDirectory(const MasterDataDocument& doc) {
  FileSet files;
  std::string header = "{\n" + RenderHeader(doc, "  ") + "  \"records\": {";
  bool first = true;
  for (const auto& [name, count] : CountRecords(doc)) {
    header += std::string(first ? "\n" : ",\n") + "    " + JsonQuote(name) + ": " + std::to_string(count);
    first = false;
  }
  header += first ? "}\n}\n" : "\n  }\n}\n";
  files[kHeaderFile] = header;
  for (const EntitySpec& e : Entities()) {
    if (!e.parent.empty()) continue;
    auto it = doc.data.find(e.name);
    if (it == doc.data.end()) continue;
    files[e.name + ".json"] = RenderArray(e, it->second, "") + "\n";
  }
  return files;
}

std::string RenderDocument(const MasterDataDocument& doc) {
  std::string out = "{\n" + RenderHeader(doc, "  ") + "  \"data\": {";
  bool first = true;
  for (const EntitySpec& e : Entities()) {
    if (!e.parent.empty()) continue;
    auto it = doc.data.find(e.name);
    if (it == doc.data.end()) continue;
    out += std::string(first ? "\n" : ",\n") + "    " + JsonQuote(e.name) + ": " + RenderArray(e, it->second, "    ");
    first = false;
  }
  out += first ? "}\n}\n" : "\n  }\n}\n";
  return out;
}

Status WriteDirectory(const MasterDataDocument& doc, const std::string& dir) {
  BAMORT_RETURN_IF_ERROR(MakeDirs(dir));
  for (const auto& [name, content] : RenderDirectory(doc))
    BAMORT_RETURN_IF_ERROR(WriteFileAtomic(Poco::Path(dir).append(name).toString(), content));
  return Status::Ok();
}

std::vector<std::pair<std::string, uint64_t>> CountRecords(const MasterDataDocument& doc) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const EntitySpec& e : Entities()) {
    if (e.parent.empty()) {
      auto it = doc.data.find(e.name);
      if (it != doc.data.end()) out.emplace_back(e.name, it->second.size());
      continue;
    }
    auto it = doc.data.find(e.parent);
    if (it == doc.data.end()) continue;
    uint64_t n = 0;
    for (const JsonValue& p : it->second.items()) {
      const JsonValue* links = p.Find(e.parent_field);
      if (links != nullptr && links->is_array()) n += links->size();
    }
    out.emplace_back(e.name, n);
  }
  return out;
}

}  // namespace bamort::masterdata
