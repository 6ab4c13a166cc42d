// Whole-file reads and crash-safe writes. WriteFileAtomic writes a temp file beside the
// target, fsyncs it and renames it over the target, so a reader sees either the old
// file or the complete new one, never a half-written file.
#pragma once

#include <string>

#include "common/status.h"

namespace bamort {

// Limits for files read whole into memory, each fitting what the file is, so that a
// setting pointed at /dev/zero or a dump ends in "larger than N bytes" (kBadInput naming
// the file) instead of eating memory (docs/CONFIGURATION.md, "Size limits").
inline constexpr size_t kMaxReportBytes = 16u << 20;       // a job's JSON report
inline constexpr size_t kMaxManifestBytes = 16u << 20;     // a backup set's manifest.json
inline constexpr size_t kMaxSqlFileBytes = 16u << 20;      // a migration file
inline constexpr size_t kMaxMasterDataBytes = 256u << 20;  // a master-data file or document
inline constexpr size_t kMaxSmallFileBytes = 64u << 10;    // a password file given as a flag
inline constexpr size_t kMaxInputFileBytes = 256u << 20;   // anything else (child process output)

// Reads at most max_bytes: kBadInput "cannot read PATH: reason" or "PATH is larger than N
// bytes" (a regular file is refused by its size before a byte is read).
Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes = kMaxInputFileBytes);
// mode is applied to the temp file before any byte is written (0600 for anything that
// could hold data of the database).
Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode = 0644);
Status MakeDirs(const std::string& path);
// fsync of a folder, so that a rename or a new file in it survives a crash.
Status FsyncDir(const std::string& dir);

}  // namespace bamort
