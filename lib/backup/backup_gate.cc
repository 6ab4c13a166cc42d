#include "backup/backup_gate.h"

namespace bamort {

namespace {

Status Refuse(const ClaimedBackupSet& claim, const std::string& what) {
  return Status::Precondition(claim.report + ": " + what,
                              "run bamort-backup again and pass the report it writes (bamort-backup --list shows "
                              "the sets that are there)");
}

// The report's file list and the manifest's must name the same files with the same
// SHA-256: one of the two was edited, or they are of different sets.
Status CompareFileLists(const ClaimedBackupSet& claim, const Manifest& manifest) {
  for (const ManifestFile& claimed : claim.files) {
    const ManifestFile* found = nullptr;
    for (const ManifestFile& f : manifest.files) {
      if (f.name == claimed.name) found = &f;
    }
    if (!found) return Refuse(claim, "lists " + claimed.name + ", which the set's manifest does not");
    if (found->sha256 != claimed.sha256 || found->size != claimed.size) {
      return Refuse(claim, claimed.name + ": the report says sha256 " + claimed.sha256 + " (" +
                               std::to_string(claimed.size) + " bytes), the set's manifest " + found->sha256 + " (" +
                               std::to_string(found->size) + " bytes)");
    }
  }
  if (claim.files.size() != manifest.files.size()) {
    return Refuse(claim, "lists " + std::to_string(claim.files.size()) + " file(s), the set's manifest " +
                             std::to_string(manifest.files.size()));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyClaimedBackupSet(const ClaimedBackupSet& claim, Manifest* manifest, Env* env) {
  if (claim.set_dir.empty()) {
    return Refuse(claim, "names no backup set (outputs.backup_set is missing: a dry run, or not a backup's report)");
  }
  const std::string& dir = claim.set_dir;
  FileInfo dir_info, manifest_info;
  env->Stat(dir, &dir_info);  // a folder that cannot be read is not there for the restore either
  if (!dir_info.is_dir) {
    return Refuse(claim, "the backup set it names, " + dir + ", does not exist (deleted, moved, or not mounted here)");
  }
  const std::string manifest_path = dir + "/manifest.json";
  env->Stat(manifest_path, &manifest_info);
  if (!manifest_info.exists) return Refuse(claim, manifest_path + " is missing: not a complete set");
  Status read = ReadManifest(manifest_path, manifest, env);
  if (!read.ok()) return Refuse(claim, "the set's manifest cannot be read: " + read.message());
  const Manifest& m = *manifest;
  if (m.db_name != claim.db_name || m.db_host != claim.db_host) {
    return Refuse(claim, "the set " + dir + " is of database " + m.db_name + " on " + m.db_host + ", the report of " +
                             claim.db_name + " on " + claim.db_host);
  }
  if (m.run_id != claim.run_id) {
    return Refuse(claim, "the set " + dir + " was made by run " + m.run_id + ", the report is of run " + claim.run_id);
  }
  if (!claim.created_at || *claim.created_at != m.created_at) {
    return Refuse(claim, "the set " + dir + " was created at " + FormatRfc3339(m.created_at) + ", the report says " +
                             (claim.created_at ? FormatRfc3339(*claim.created_at) : std::string("nothing (details.created_at)")));
  }
  BAMORT_RETURN_IF_ERROR(CompareFileLists(claim, m));
  std::vector<std::string> problems;
  Status files = CheckSetFiles(dir, m, &problems);
  if (!files.ok()) {
    return Refuse(claim, "the backup set " + dir + " is damaged: " + problems.front() +
                             (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : ""));
  }
  return Status::Ok();
}

}  // namespace bamort
