// Whole-file reads, crash-safe writes and folder syncs through the process's Env
// (common/env.h), for code that has no Env of its own among its dependencies yet (the
// report writer, master data, migrations, physical backups). An engine that takes an
// Env* calls it directly instead.
#pragma once

#include <string>

#include "common/env.h"
#include "common/status.h"

namespace bamort {

// Env::ReadFileToString of Env::Default().
Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes = kMaxInputFileBytes);
// Env::WriteFileAtomic; mode is applied to the temp file before any byte is written
// (0600 for anything that could hold data of the database).
Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode = 0644);
// Env::CreateDirs.
Status MakeDirs(const std::string& path);
// Env::SyncDir: fsync of a folder, so that a rename or a new file in it survives a crash.
Status FsyncDir(const std::string& dir);

}  // namespace bamort
