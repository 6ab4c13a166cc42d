// BackupSet: one folder in the backup directory, named "<database>_<UTC time>", holding
// dump.sql.gz, export.jsonl.gz and manifest.json. A set is built in a hidden folder
// ".<name>.partial" and renamed to its final name only after manifest.json is written
// and synced, so a folder without the leading dot and with a valid manifest of ours is
// by construction complete. Anything else in the backup directory is not ours: listing
// ignores it and retention never touches it.
//
// Retention (after a successful backup): sets of the same database older than
// retention_days (by the manifest's created_at) are deleted, except the newest keep_min
// and the set just made. Deleting a set removes exactly the files its manifest names
// plus manifest.json and then the folder, so a set with foreign files in it stays (with
// a warning). ".partial" folders older than a day are leftovers of crashed runs.
// Every file operation goes through the Env passed in (common/env.h; default: the
// process's), so tests can list, age and delete sets on a substituted one.
#pragma once

#include <string>
#include <vector>

#include "backup/manifest.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/status.h"

namespace bamort {

struct BackupSet {
  std::string dir;
  Manifest manifest;
};

struct PartialSet {
  std::string dir;
  SystemTime modified{};
};

struct SetListing {
  std::vector<BackupSet> sets;        // newest first
  std::vector<PartialSet> partials;   // ".*.partial" folders
};

// "bamort_20261125T064609Z"; characters outside [A-Za-z0-9_-] in the name become '_'.
std::string SetNameFor(const std::string& database, SystemTime created_at);
std::string PartialDirFor(const std::string& out_dir, const std::string& set_name);

// A missing out_dir is an empty listing.
Status ListBackupSets(const std::string& out_dir, SetListing* out, Env* env = Env::Default());

struct RetentionPolicy {
  int64_t retention_days = 30;
  int64_t keep_min = 3;
};

struct RetentionPlan {
  std::vector<std::string> kept;              // set folders
  std::vector<std::string> deleted;           // set folders to delete
  std::vector<std::string> partials_deleted;  // leftover .partial folders to delete
};

// Only sets of database take part; protected_dir (the set just made) is always kept.
RetentionPlan PlanRetention(const SetListing& listing, const RetentionPolicy& policy, const std::string& database,
                            const std::string& protected_dir, SystemTime now);
// Deletes what the plan says; a folder that cannot be removed becomes a warning.
void ApplyRetention(const SetListing& listing, RetentionPlan* plan, std::vector<std::string>* warnings,
                    Env* env = Env::Default());

// Removes a set folder: the manifest's files, manifest.json, then the folder.
Status DeleteBackupSet(const BackupSet& set, Env* env = Env::Default());
// Removes a .partial folder and the regular files in it (never recursing further).
Status DeletePartialDir(const std::string& dir, Env* env = Env::Default());

}  // namespace bamort
