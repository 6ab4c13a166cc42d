#include "backup/backup_set.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace bamort {

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

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

Status ListBackupSets(const std::string& out_dir, SetListing* out) {
  out->sets.clear();
  out->partials.clear();
  DIR* d = ::opendir(out_dir.c_str());
  if (!d) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Failed("cannot read the backup folder " + out_dir + ": " + std::strerror(errno));
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  for (const std::string& n : names) {
    if (n == "." || n == "..") continue;
    std::string path = out_dir + "/" + n;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (n[0] == '.') {
      if (EndsWith(n, ".partial") && n.size() > 9) {
        out->partials.push_back({path, std::chrono::system_clock::from_time_t(st.st_mtime)});
      }
      continue;
    }
    BackupSet set;
    set.dir = path;
    if (!ReadManifest(path + "/manifest.json", &set.manifest).ok()) continue;  // not ours
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

Status DeleteBackupSet(const BackupSet& set) {
  for (const ManifestFile& f : set.manifest.files) {
    std::string p = set.dir + "/" + f.name;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
      return Status::Failed("cannot delete " + p + ": " + std::strerror(errno));
    }
  }
  std::string m = set.dir + "/manifest.json";
  if (::unlink(m.c_str()) != 0 && errno != ENOENT) return Status::Failed("cannot delete " + m + ": " + std::strerror(errno));
  if (::rmdir(set.dir.c_str()) != 0) {
    return Status::Failed("deleted the set's files but kept the folder " + set.dir + ": " + std::strerror(errno) +
                          " (it holds files that are not part of the set)");
  }
  return Status::Ok();
}

Status DeletePartialDir(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string p = dir + "/" + e->d_name;
      struct stat st {};
      if (::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(p.c_str());
    }
    ::closedir(d);
  }
  if (::rmdir(dir.c_str()) != 0) return Status::Failed("cannot remove " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

void ApplyRetention(const SetListing& listing, RetentionPlan* plan, std::vector<std::string>* warnings) {
  std::vector<std::string> deleted, partials;
  for (const std::string& dir : plan->deleted) {
    for (const BackupSet& s : listing.sets) {
      if (s.dir != dir) continue;
      Status st = DeleteBackupSet(s);
      if (st.ok()) deleted.push_back(dir);
      else warnings->push_back("retention: " + st.message());
    }
  }
  for (const std::string& dir : plan->partials_deleted) {
    Status st = DeletePartialDir(dir);
    if (st.ok()) partials.push_back(dir);
    else warnings->push_back("retention: " + st.message());
  }
  plan->deleted = deleted;
  plan->partials_deleted = partials;
}

SystemTime BackupClockNow() { return Now(); }

}  // namespace bamort
