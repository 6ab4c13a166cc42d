// Logical backup: the whole bamort-backup workflow (docs/BACKUP.md, "What a run does"),
// the engine lib/app's RunBackup maps flags onto. In order:
//   1. checks --out-dir, connects, reads the database's version (through deps), refuses
//      a database a set could not hold (json_export.h CheckExportable), names the set;
//   2. checks the free space (space_check.h) and, with verify, where the dump will be
//      loaded (verify.h), before anything is written;
//   3. under the deployment lock (db/named_lock.h), in the hidden folder
//      ".<set>.partial": the SQL dump, the JSON export and the two checksum snapshots
//      (consistent_dump.h); a database that changed meanwhile fails the run;
//   4. with verify, loads the dump into a throwaway database and compares it;
//   5. writes manifest.json last, fsyncs the folder, renames it to the set's name;
//   6. retention (backup_set.h) of this database's older sets and leftover .partial
//      folders.
// A failure before the rename removes the .partial folder, except after a failed
// verification, which keeps it for inspection (retention removes it a day later). The
// database is never changed (exit codes 1-3).
// Every file operation, the clock and the fault point between the two snapshots go
// through deps.env (common/env.h), so unit tests can make a rename or an fsync fail or
// fix the clock. LogicalBackupResult is filled step by step, so a failed run still says
// how far it got. Not thread-safe; opens its own connections from deps.config.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backup/backup_set.h"
#include "backup/consistent_dump.h"
#include "backup/manifest.h"
#include "backup/verify.h"
#include "common/env.h"
#include "common/status.h"
#include "config/db_config.h"
#include "db/connection.h"

namespace bamort {

struct LogicalBackupOptions {
  std::string out_dir;  // the folder of the sets; created when missing
  bool verify = false;
  VerifyWhere verify_where = VerifyWhere::kAuto;
  PrivateServerOptions verify_server;  // parent_dir "" = $TMPDIR or /tmp
  bool retention = true;               // false: delete nothing after the backup
  RetentionPolicy policy;
  int lock_timeout_seconds = 60;
  std::string run_id;   // the job's, recorded in the manifest
  bool dry_run = false;  // steps 1-2 and the retention plan; writes nothing
};

// The version the database is at, as the version tables say (null: legacy, none).
struct DatabaseVersion {
  std::optional<std::string> version;
  int64_t migration_number = 0;
};

struct LogicalBackupDeps {
  DbConfig config;  // the server and the database to back up
  Env* env = Env::Default();
  // Reads the version of the database conn is connected to (migrate/version_status.h,
  // which lib/backup may not include).
  std::function<Status(Connection* conn, DatabaseVersion* out)> read_version;
  // Progress lines and warnings as they happen (each may be empty = not wanted).
  std::function<void(const std::string&)> info;
  std::function<void(const std::string&)> warn;
};

struct LogicalBackupResult {
  // 1. The database and the set's name.
  bool version_read = false;
  DatabaseVersion version;
  std::string set_name;
  std::string set_dir;      // the final folder
  std::string partial_dir;  // where it is built
  // 2. Before anything is written.
  bool space_checked = false;
  uint64_t table_bytes = 0;  // DATA_LENGTH + INDEX_LENGTH, the space estimate's base
  std::string verify_method;  // "private-server" / "scratch-schema" once prepared
  // The dry run's plan.
  std::vector<std::string> tables;  // base tables the set would hold
  bool private_verify = false;      // where a dry run's --verify would load the dump
  std::string why_no_private;       // and why not in a private server
  RetentionPlan planned_retention;
  // 3. The dump.
  bool dumped = false;
  ConsistentDumpResult dump;         // sizes, sha256, rows, timings
  std::vector<std::string> changed;  // tables that changed while the backup ran
  Manifest manifest;                 // as written (or as far as known)
  // 4. Verification.
  bool verify_ran = false;
  VerifyResult verification;
  bool partial_kept = false;  // a failed verification keeps .partial for inspection
  // 5. The set is complete under its final name.
  bool complete = false;
  // 6. Retention (when options.retention and the listing could be read).
  bool retention_ran = false;
  RetentionPlan retention;
  std::vector<std::string> warnings;  // also passed to deps.warn
};

// Runs the backup. kBadInput: a bad --out-dir; kPrecondition: lock held, no room, cannot
// verify, a database a set cannot hold or one with an unfinished restore; kFailed: the
// dump, the verification or a file operation failed, or the database changed meanwhile.
Status RunLogicalBackup(const LogicalBackupOptions& options, const LogicalBackupDeps& deps,
                        LogicalBackupResult* result);

}  // namespace bamort
