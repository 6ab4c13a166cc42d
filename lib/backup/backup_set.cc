#include "backup/backup_set.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/text.h"

namespace bamort {

std::string SetNameFor(const std::string& database, SystemTime created_at) {
  std::string db;
  for (char c : database) db.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_');
  std::time_t t = std::chrono::system_clock::to_time_t(created_at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return db + "_" + buf;
}

std::string PartialDirFor(const std::string& out_dir, const std::string& set_name) {
  return out_dir + "/." + set_name + ".partial";
}

Status ListBackupSets(const std::string& out_dir, SetListing* out, Env* env) {
  out->sets.clear();
  out->partials.clear();
  FileInfo folder;
  BAMORT_RETURN_IF_ERROR(env->Stat(out_dir, &folder).WithContext("the backup folder"));
  if (!folder.exists) return Status::Ok();
  std::vector<DirEntry> entries;
  BAMORT_RETURN_IF_ERROR(env->ListDir(out_dir, &entries));
  for (const DirEntry& e : entries) {
    if (!e.info.is_dir) continue;
    std::string path = out_dir + "/" + e.name;
    if (e.name[0] == '.') {
      if (EndsWith(e.name, ".partial") && e.name.size() > 9) out->partials.push_back({path, e.info.modified});
      continue;
    }
    BackupSet set;
    set.dir = path;
    if (!ReadManifest(path + "/manifest.json", &set.manifest, env).ok()) continue;  // not ours
    out->sets.push_back(std::move(set));
  }
  std::sort(out->sets.begin(), out->sets.end(), [](const BackupSet& a, const BackupSet& b) {
    if (a.manifest.created_at != b.manifest.created_at) return a.manifest.created_at > b.manifest.created_at;
    return a.dir > b.dir;
  });
  return Status::Ok();
}

RetentionPlan PlanRetention(const SetListing& listing, const RetentionPolicy& policy, const std::string& database,
                            const std::string& protected_dir, SystemTime now) {
  RetentionPlan plan;
  auto max_age = std::chrono::hours(24) * policy.retention_days;
  int64_t newer = 0;  // sets of this database seen so far, newest first
  for (const BackupSet& s : listing.sets) {
    if (s.manifest.db_name != database) continue;
    ++newer;
    bool old = now - s.manifest.created_at > max_age;
    if (s.dir == protected_dir || newer <= policy.keep_min || !old) {
      plan.kept.push_back(s.dir);
    } else {
      plan.deleted.push_back(s.dir);
    }
  }
  for (const PartialSet& p : listing.partials) {
    if (now - p.modified > std::chrono::hours(24)) plan.partials_deleted.push_back(p.dir);
  }
  return plan;
}

Status DeleteBackupSet(const BackupSet& set, Env* env) {
  for (const ManifestFile& f : set.manifest.files) BAMORT_RETURN_IF_ERROR(env->RemoveFile(set.dir + "/" + f.name));
  BAMORT_RETURN_IF_ERROR(env->RemoveFile(set.dir + "/manifest.json"));
  Status removed = env->RemoveDir(set.dir);
  if (!removed.ok()) {
    return Status::Failed("deleted the set's files but kept the folder " + set.dir + " (" + removed.message() +
                          "; it holds files that are not part of the set)");
  }
  return Status::Ok();
}

Status DeletePartialDir(const std::string& dir, Env* env) {
  std::vector<DirEntry> entries;
  if (env->ListDir(dir, &entries).ok()) {
    for (const DirEntry& e : entries) {
      if (e.info.is_regular) env->RemoveFile(dir + "/" + e.name);
    }
  }
  return env->RemoveDir(dir);
}

void ApplyRetention(const SetListing& listing, RetentionPlan* plan, std::vector<std::string>* warnings, Env* env) {
  std::vector<std::string> deleted, partials;
  for (const std::string& dir : plan->deleted) {
    for (const BackupSet& s : listing.sets) {
      if (s.dir != dir) continue;
      Status st = DeleteBackupSet(s, env);
      if (st.ok()) deleted.push_back(dir);
      else warnings->push_back("retention: " + st.message());
    }
  }
  for (const std::string& dir : plan->partials_deleted) {
    Status st = DeletePartialDir(dir, env);
    if (st.ok()) partials.push_back(dir);
    else warnings->push_back("retention: " + st.message());
  }
  plan->deleted = deleted;
  plan->partials_deleted = partials;
}

}  // namespace bamort
