// MasterDataDocument: master data in export format 2.0, in memory, and the ways in and
// out of it: reading a source (package, 2.0 directory or document, 1.0 directory),
// the 1.0 -> 2.0 transformer chain (each step logged), and writing a 2.0 directory
// or document byte-for-byte reproducibly (docs/MASTERDATA.md, "Format 2.0").
// Reading lives in document.cc, writing and counting in document_render.cc.
// Plain values; not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json_text.h"
#include "common/json_value.h"
#include "common/status.h"

namespace bamort::masterdata {

inline constexpr const char* kCurrentExportVersion = "2.0";
inline constexpr const char* kDefaultGameSystem = "M5";
// The header file of a 2.0 directory; every other file is <entity>.json.
inline constexpr const char* kHeaderFile = "export.json";

// Relative path -> file content (a directory or the entries of a package, in memory).
using FileSet = std::map<std::string, std::string>;

struct MasterDataDocument {
  std::string export_version = kCurrentExportVersion;
  std::string backend_version;
  std::string timestamp;
  std::string game_system = kDefaultGameSystem;  // code in game_systems
  // The header's "sample" text: set only in the invented sample set shipped with the tool
  // (masterdata/, "Beispieldaten"), which the import refuses to put over existing master
  // data (import_guards.h). "" for every real export.
  std::string sample;
  // Top-level entity name -> records (a JSON array of objects). An entity missing from
  // the map is not carried (never pruned); embedded entities live inside their parent's
  // records. JsonValue, not Poco::JSON: the import of 100,000 records spent more time
  // building and reading Poco values than in its SQL.
  std::map<std::string, JsonValue> data;
};

struct SourceInfo {
  std::string kind;            // "package", "directory", "document"
  std::string format;          // format before transformation: "1.0" or "2.0"
  std::map<std::string, std::string> file_of;  // entity -> file name to name in messages
  std::vector<std::string> transform_log;
  std::vector<std::string> warnings;
};

// Reads and parses source (kBadInput naming the file for anything unreadable,
// malformed or of an unknown export_version) and transforms it to format 2.0, then checks
// it whole (record_checks.h: every record against its declared types and columns, the
// header's and a package's metadata.json record counts), all before any SQL.
Status ReadMasterData(const std::string& source, MasterDataDocument* doc, SourceInfo* info);
// The same from files already in memory (e.g. a package's masterdata/ entries).
Status ParseFileSet(const FileSet& files, const std::string& source_name, MasterDataDocument* doc, SourceInfo* info);
// Reads every regular file directly in dir (not recursive).
Status ReadDirectoryFiles(const std::string& dir, FileSet* out);

// The 2.0 directory as files: export.json (header with counts) and one <entity>.json
// per carried top-level entity, one record per line, fields in declared order.
FileSet RenderDirectory(const MasterDataDocument& doc);
// The single-document form {export_version, ..., data: {...}}.
std::string RenderDocument(const MasterDataDocument& doc);
// Writes RenderDirectory into dir (created if needed).
Status WriteDirectory(const MasterDataDocument& doc, const std::string& dir);

// Records per entity, embedded ones included (in declaration order of Entities()).
std::vector<std::pair<std::string, uint64_t>> CountRecords(const MasterDataDocument& doc);

// JSON text helpers shared with the exporter: a quoted JSON string (raw UTF-8; only
// '"', '\\' and control characters escaped) and the shortest decimal text that reads
// back as the same double ("13", "0.25").
using bamort::JsonQuote;  // lib/common/json_text.h
std::string FormatDouble(double d);

}  // namespace bamort::masterdata
