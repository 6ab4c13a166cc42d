// BackupGate: what `--require-backup REPORT` checks beyond the report's own fields (those
// are report/step_report.h's ValidatePreviousReport): that the backup set the report
// claims is there and whole. A report is paper; the gate looks at the thing. The set must
// exist where the report says, its manifest must be of the database, run and time the
// report names, the report's file list must agree with the manifest, and every file must
// have the manifest's size and SHA-256 (the same check a restore makes before it drops
// anything). Reads files only; no database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/status.h"

namespace bamort {

// What a backup report claims about its set (lib/app fills it from the report).
struct ClaimedBackupSet {
  std::string report;  // the report's path, for messages
  std::string set_dir;  // outputs.backup_set; empty when the report names none (a dry run)
  std::string run_id;
  std::string db_host;
  std::string db_name;
  std::optional<SystemTime> created_at;  // details.created_at
  std::vector<ManifestFile> files;       // details.files (name, sha256, size)
};

// kPrecondition naming the report, the set and what is wrong: no set named, the set is
// missing (deleted), its manifest is missing or unreadable, of another database, run or
// time, lists other files than the report, or a file is missing, truncated or corrupt.
// *manifest receives the set's manifest when it could be read.
Status VerifyClaimedBackupSet(const ClaimedBackupSet& claim, Manifest* manifest, Env* env = Env::Default());

}  // namespace bamort
