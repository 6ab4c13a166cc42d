// Restore: the whole bamort-restore workflow (docs/BACKUP.md), the engine lib/app's
// RunRestore maps flags onto. It reads and checks the set (manifest, every file's
// sha256), picks and checks the target database, takes the deployment lock on it,
// drops everything in it, loads the SQL dump (or the JSON export) and compares every
// table's row count and CHECKSUM TABLE with the manifest.
//
// Order matters: everything that can be checked without changing the target is checked
// before the first destructive statement (DropEverything), in the dry run too: the
// files' sha256, the file to load against the manifest's tables and row counts, and
// the user's privileges for every statement the restore will issue
// (restore_checks.h). So every refusal leaves the database untouched (exit 1, 2 or 3);
// a failure after the first change is kDirty (exit 4).
//
// The file to load is read once before the drop: its sha256 is computed over the
// compressed bytes while they are inflated into the content check, and the other files
// of the set are hashed on a second thread meanwhile (a damaged one is only a warning).
// Then the load reads it a second time (parallel_load.h).
//
// The operation mark (db/operation_mark.h) is written before the drops and dropped after
// the comparison. Just before that drop a second mark row says "compared": a restore
// killed in between leaves a database that holds the whole set, still marked. Running
// the same restore again finds that row, compares again and, when the database still
// equals the manifest, only drops the mark (RestoreResult::finished_earlier_run);
// otherwise it restores as usual.
// RestoreResult is filled step by step, so a failed restore still tells how far it got.
// Not thread-safe; opens its own connections from RestoreDeps::config.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "backup/manifest.h"
#include "backup/table_stats.h"
#include "common/env.h"
#include "common/status.h"
#include "config/db_config.h"
#include "db/lock_wait.h"

namespace bamort {

enum class RestoreSource { kSqlDump, kJsonExport };
// "sql" / "json", as --from spells them.
const char* RestoreSourceName(RestoreSource from);

struct RestoreOptions {
  std::string backup;  // the set folder, or its manifest.json
  RestoreSource from = RestoreSource::kSqlDump;
  std::string target_db;  // empty: the configured database (then only a set of that database)
  bool replace = false;   // a --target-db that already holds tables may be emptied
  int lock_timeout_seconds = 60;
  LockWaitOptions lock_wait;  // the drops wait bounded for table locks, blockers named (db/lock_wait.h)
  bool dry_run = false;   // check everything, change nothing
};

struct RestoreDeps {
  DbConfig config;  // the server and the configured database
  // Progress lines and warnings as they happen (each may be empty = not wanted).
  std::function<void(const std::string&)> info;
  std::function<void(const std::string&)> warn;
  // Its fault points (common/env.h): kFaultRestoreBeforeDrop after the blocker check,
  // kFaultRestoreAfterCompare after the "compared" mark row. A test substitutes an Env
  // (an EnvWrapper overriding FaultPoint); the real one does nothing there.
  Env* env = Env::Default();
};

// The run_id of the mark row written after a successful comparison.
inline constexpr const char* kRestoreComparedMark = "compared";

struct RestoreResult {
  // 1. The set.
  std::string set_dir;
  bool manifest_read = false;
  Manifest manifest;
  bool files_checked = false;
  std::vector<std::string> file_problems;  // "<file>: <what>", every file of the set
  int64_t check_ms = 0;  // the one read before the drop: sha256 of every file and the content check
  // The file to load against the manifest (restore_checks.h): its tables and rows.
  bool content_checked = false;
  int64_t content_check_ms = 0;  // the same pass as check_ms (one read of the file)
  uint64_t content_bytes = 0;                    // uncompressed bytes read for it
  std::vector<std::string> content_differences;  // empty = the manifest's tables and rows
  // 2. The target.
  std::string target;            // empty until the target is known
  int64_t existing_objects = 0;  // tables and views in it before the restore
  std::vector<std::string> privileges_needed;  // checked before the first change
  // 3. What changed.
  bool emptied = false;
  std::vector<std::string> dropped;  // tables and views dropped before loading
  int64_t load_ms = 0;  // drop and load
  uint64_t load_chunks = 0;  // data chunks the load's connections committed
  // 4. The comparison with the manifest.
  bool compared = false;
  int64_t compare_ms = 0;
  TableStats restored;
  std::vector<std::string> differences;  // empty = equal
  std::vector<std::string> warnings;     // also passed to RestoreDeps::warn
  // A restore of this set killed after its comparison had left the mark: compared again
  // and, being equal, only its mark was dropped (nothing was loaded).
  bool finished_earlier_run = false;
  // Where the time went, in order: {"read_and_check", ms}, {"target_checks", ms} (target,
  // privileges, lock, blockers), {"drop", ms}, {"load_schema_and_data", ms},
  // {"load_triggers", ms}, {"load_reader_waited", ms} (the reader waited for a free load
  // connection: the server was the bottleneck) or {"load_json", ms}, {"compare", ms},
  // {"clear_mark", ms}; {"compare_earlier_run", ms} after read_and_check when the target
  // carries the "compared" mark of this set (target_checks, ending later, includes it).
  std::vector<std::pair<std::string, int64_t>> phases_ms;
};

// Runs the restore. kBadInput: bad options or a damaged or foreign set; kPrecondition:
// the target cannot be used (lock held, tables without --replace); kDirty after the
// first destructive statement.
Status RestoreBackupSet(const RestoreOptions& options, const RestoreDeps& deps, RestoreResult* result);

// "read_and_check 3190 ms, target_checks 40 ms, ...": RestoreResult::phases_ms for a log line.
std::string DescribePhases(const RestoreResult& result);

}  // namespace bamort
