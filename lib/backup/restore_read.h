// ReadSetOnce: the one read of a backup set that a restore makes before it changes
// anything (restore.h). The file to load is read from disk once: a reader thread hashes
// its compressed bytes (SHA-256, size) while the calling thread inflates them into the
// content check (ScanSqlDump / ScanJsonExport, restore_checks.h); the blocks go from one
// to the other through a bounded queue, so the file is neither read nor inflated twice.
// The set's other files (not loaded) are hashed on that thread afterwards.
//
// Why two threads: inflating is the larger part (igzip, ~55 % of the CPU of this pass on
// 1 GB of character images), hashing the smaller (~30 %); before the drop the server is
// idle, so the two halves run side by side on the machine's two cores.
// Threads are joined on every path. Not thread-safe for the caller.
#pragma once

#include <string>
#include <vector>

#include "backup/manifest.h"
#include "backup/restore_checks.h"
#include "common/status.h"

namespace bamort {

struct SetReadResult {
  SetContent content;                 // of the file to load
  std::string source_problem;         // "<file>: <what>" when its bytes differ from the manifest
  std::vector<std::string> other_problems;  // the same for the other files of the set
};

// Returns the content check's status (kBadInput naming the file when it cannot be read
// as a dump or export); the sha256 and size of every file are judged in *out either way.
Status ReadSetOnce(const std::string& set_dir, const Manifest& manifest, const ManifestFile& source, bool sql_dump,
                   SetReadResult* out);

}  // namespace bamort
