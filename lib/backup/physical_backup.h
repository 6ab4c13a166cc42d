// PhysicalBackup: `bamort-backup --physical`, a backup set made by the server's own
// mariadb-backup instead of a dump (docs/BACKUP.md, "Physical sets").
//
// The whole workflow runs here, in this order, and nothing is written before step 5:
//  1. mariadb-backup is found and must be of the server's X.Y.Z (else kPrecondition);
//  2. the user holds RELOAD, PROCESS, LOCK TABLES and BINLOG MONITOR (else kPrecondition
//     naming the missing ones); the server's data directory is readable on this host;
//  3. free space for the set and for the private copy;
//  4. the deployment lock (no migration runs while the copy is taken);
//  5. in ".<set>.partial": mariadb-backup --backup --stream=mbstream, read by this
//     process, compressed into physical.mbstream.gz (igzip, gzip_file.h, sha256 while
//     writing) and at the same time unpacked by mbstream -x into a private folder;
//  6. beside the copy, the source's row counts and CHECKSUM TABLE are read in a consistent
//     snapshot opened just before it (A); the unpacked copy is prepared (mariadb-backup
//     --prepare) and opened by a private throwaway mariadbd (private_server.h, never the
//     production server), and its tables are read (C);
//  7. C == A: the copy equals a state the source really had. C != A (a commit during the
//     copy): the source is read again now (S), and C == S is as good. C != S: the source
//     is read once more; if it changed, the database is still being written and nothing
//     is kept (as the logical backup does); if not, the copy does not compare: the
//     partial folder is kept with an unverified manifest for inspection. C goes into the
//     manifest (the restore compares with it), with the binlog/LSN position;
//  8. manifest.json, fsync, rename to the final name, retention as for logical sets.
// docs/DECISIONS.md says why a reading beside the copy, or else one after it, is enough.
// Not thread-safe; the engine owns its threads and child processes and ends them on
// every path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup/backup_set.h"
#include "backup/manifest.h"
#include "backup/mariadb_backup.h"
#include "server/private_server.h"
#include "common/env.h"
#include "common/status.h"
#include "config/db_config.h"
#include "db/connection.h"

namespace bamort {

struct PhysicalBackupOptions {
  DbConfig config;               // the source (also what mariadb-backup connects to)
  Manifest manifest;             // header filled by the caller: name, times, database, versions
  std::string out_dir;
  std::string mariadb_backup;    // "" = the one on PATH (installed beside the server)
  // The server runs elsewhere (a sibling container on a compose network) and its data
  // directory is mounted here at the path it reports; then a non-local host is accepted.
  // The verification (the copy compared with the source, step 7) proves the files are its.
  bool datadir_mounted = false;
  PrivateServerOptions server;   // the private server that opens the copy
  int lock_timeout_seconds = 60;
  bool dry_run = false;
  bool retention = true;
  RetentionPolicy policy;
  SystemTime now{};
  Env* env = Env::Default();     // the folders it creates, checks and renames
};

struct PhysicalBackupResult {
  std::string set_dir;
  std::string partial_dir;       // kept only when the copy did not compare
  std::string datadir;           // the source's, as the server reports it
  Manifest manifest;
  MariadbBackupTool tool;
  PhysicalPosition position;
  uint64_t datadir_bytes = 0;  // the source's data directory, before the copy (space check, progress)
  uint64_t stream_bytes = 0;
  int64_t copy_ms = 0, prepare_ms = 0, open_ms = 0, compare_ms = 0;
  bool source_read_after_copy = false;             // C differed from A: compared with S
  std::vector<std::string> changed_during_backup;  // tables whose S and a reading after it differ
  std::vector<std::string> differences;            // copy (C) vs the source (A, or S)
  bool retention_ran = false;
  RetentionPlan retention;
  std::vector<std::string> warnings;
  std::vector<std::string> dry_run_lines;          // what a real run would do
};

// conn: the source, already checked by the caller (version state read).
Status MakePhysicalBackup(Connection* conn, const PhysicalBackupOptions& options, PhysicalBackupResult* result);

// The last step: manifest_json becomes the partial folder's manifest.json, the folder is
// synced and renamed to set_dir. On failure the partial folder is where it was (the caller
// decides whether to remove it) and the error names it.
Status CompletePhysicalSet(const std::string& partial, const std::string& set_dir, const std::string& manifest_json,
                           Env* env = Env::Default());

}  // namespace bamort
