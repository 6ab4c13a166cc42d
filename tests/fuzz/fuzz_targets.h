// The fuzz harnesses, one function per target. Each *_fuzzer.cc wraps one of them in
// LLVMFuzzerTestOneInput (scripts/fuzz.sh builds those with libFuzzer); the integration
// suite replays every stored corpus and regression input through the same functions
// (FuzzCorpus.* in tests/integration/reliability_test.cc), so a crash once found stays
// fixed without clang. See docs/RELIABILITY.md.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "config/db_config.h"
#include "db/sql_script.h"
#include "masterdata/document.h"
#include "package/package.h"
#include "report/step_report.h"

namespace bamort::fuzz {

// The master-data input is a file set: chunks separated by a line "=====", each chunk
// "<file name>\n<content>". Lets the fuzzer vary file names (1.0 vs 2.0 detection) and
// contents together.
inline masterdata::FileSet SplitFileSet(const std::string& input) {
  masterdata::FileSet files;
  const std::string sep = "\n=====\n";
  size_t pos = 0;
  while (pos <= input.size()) {
    size_t end = input.find(sep, pos);
    std::string chunk = input.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t nl = chunk.find('\n');
    if (nl != std::string::npos) files[chunk.substr(0, nl)] = chunk.substr(nl + 1);
    else if (!chunk.empty()) files[chunk] = "";
    if (end == std::string::npos) break;
    pos = end + sep.size();
  }
  return files;
}

inline void FuzzMasterData(const uint8_t* data, size_t size) {
  masterdata::FileSet files = SplitFileSet(std::string(reinterpret_cast<const char*>(data), size));
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  if (masterdata::ParseFileSet(files, "fuzz", &doc, &info).ok()) {
    // What import and prepare do next with a parsed set.
    (void)masterdata::RenderDirectory(doc);
    (void)masterdata::RenderDocument(doc);
  }
}

inline void FuzzPackage(const uint8_t* data, size_t size) {
  // ReadPackage reads a file (libarchive); one scratch file per process.
  static const std::string path = "/tmp/bamort-fuzz-package-" + std::to_string(getpid()) + ".tar.gz";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  package::PackageContents contents;
  if (package::ReadPackage(path, &contents).ok()) {
    masterdata::MasterDataDocument doc;
    masterdata::SourceInfo info;
    (void)masterdata::ParseFileSet(contents.masterdata, path, &doc, &info);
  }
  std::remove(path.c_str());
}

inline void FuzzDatabaseUrl(const uint8_t* data, size_t size) {
  DbConfig config;
  (void)ParseDatabaseUrl(std::string(reinterpret_cast<const char*>(data), size), &config);
}

inline void FuzzReport(const uint8_t* data, size_t size) {
  StepReport report;
  (void)ParseReport(std::string(reinterpret_cast<const char*>(data), size), "fuzz", &report);
}

inline void FuzzSqlSplitter(const uint8_t* data, size_t size) {
  std::vector<SqlStatement> statements;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (SplitSqlStatements(text, "fuzz", &statements).ok()) {
    for (const SqlStatement& s : statements) {
      // Every statement is a piece of the input and starts on a line that exists.
      if (s.line < 1 || s.text.size() > text.size()) __builtin_trap();
    }
  }
}

}  // namespace bamort::fuzz
