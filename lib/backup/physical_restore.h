// PhysicalRestore: `bamort-restore --physical --backup SET`, the emergency full restore
// of a physical set onto the host of a stopped MariaDB (docs/BACKUP.md, "Emergency
// restore"). It replaces the whole data directory, every database of the server.
//
// In this order, and nothing is changed before step 5:
//  1. the manifest must be of a physical set and every file must match its sha256
//     (kBadInput otherwise: a damaged set is refused before anything else);
//  2. mariadb-backup must be of the version that made the set (kPrecondition);
//  3. the server must be stopped (natively the operator stops it; the tool refuses while
//     it answers on the configured address or holds the lock of ibdata1, kPrecondition);
//  4. the stream is unpacked and prepared in a new folder beside the data directory
//     (same filesystem), owned like the data directory;
//  5. the data directory is renamed aside to "<datadir>.before-restore-<UTC time>" and
//     the prepared folder takes its name; the old one is never deleted by the tool;
//  6. --start-command starts the server, the tool waits until it answers, and compares
//     the set's database (rows and CHECKSUM TABLE) with the manifest.
// check_only stops after step 2, so a damaged set is refused while the server still runs
// (deploy.sh checks the set before it stops the database service).
// A failure after step 5 is kDirty; its hint is the way back (stop the server, move the
// restored folder away, rename the old one back, start).
// Not thread-safe; one call at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup/manifest.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/status.h"
#include "config/db_config.h"

namespace bamort {

struct PhysicalRestoreOptions {
  std::string set_dir;
  std::string manifest_path;
  std::string datadir;          // the stopped server's data directory
  std::string start_command;    // run by /bin/sh -c once the files are in place
  std::string mariadb_backup;   // "" = the one on PATH
  DbConfig config;              // where the started server answers (the set's users)
  int start_timeout_seconds = 300;
  bool dry_run = false;
  bool check_only = false;      // steps 1 and 2 only: the set and the tool, nothing else
  SystemTime now{};
  Env* env = Env::Default();    // the folders it creates, renames and removes
};

struct PhysicalRestoreResult {
  Manifest manifest;
  std::vector<std::string> file_problems;
  std::string old_datadir;      // where the previous data directory now is
  std::string work_dir;         // the folder the copy was prepared in
  uid_t owner = 0;
  gid_t group = 0;
  TableStats restored;
  std::vector<std::string> differences;
  bool files_moved = false;     // step 5 happened
  int64_t check_ms = 0, unpack_ms = 0, prepare_ms = 0, start_ms = 0, compare_ms = 0;
  std::vector<std::string> dry_run_lines;
};

Status RestorePhysical(const PhysicalRestoreOptions& options, PhysicalRestoreResult* result);

// Step 5: datadir is renamed to old_datadir, then work_dir takes datadir's name. When the
// second rename fails the first is undone, so the server finds its data directory where
// it was; the error names the paths of the rename that failed.
Status SwapDataDir(const std::string& datadir, const std::string& old_datadir, const std::string& work_dir,
                   Env* env = Env::Default());

}  // namespace bamort
