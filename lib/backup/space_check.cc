#include "backup/space_check.h"

#include <map>

namespace bamort {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kPrivateServerBaseBytes = 118 * kMiB;

std::string Megabytes(uint64_t bytes) {
  return std::to_string((bytes + kMiB - 1) / kMiB) + " MiB";
}

// The folder itself, or the nearest parent that exists (the backup creates the rest).
std::string ExistingAncestor(std::string folder, Env* env) {
  FileInfo info;
  while (!folder.empty() && !(env->Stat(folder, &info).ok() && info.exists)) {
    size_t slash = folder.find_last_of('/');
    if (slash == std::string::npos) return ".";
    folder = slash == 0 ? "/" : folder.substr(0, slash);
  }
  return folder.empty() ? "." : folder;
}

}  // namespace

Status DatabaseBytes(Connection* conn, uint64_t* bytes) {
  Value v;
  BAMORT_RETURN_IF_ERROR(conn->QueryValue(
      "SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = DATABASE()",
      &v));
  *bytes = v ? std::stoull(*v) : 0;
  return Status::Ok();
}

std::vector<SpaceNeed> BackupSpaceNeeds(uint64_t table_bytes, const std::string& out_dir,
                                        const std::string& verify_dir) {
  std::vector<SpaceNeed> needs;
  needs.push_back({out_dir, "the backup set", table_bytes / 2 + 16 * kMiB});
  if (!verify_dir.empty()) {
    needs.push_back({verify_dir, "the private verify server", kPrivateServerBaseBytes + table_bytes + table_bytes / 2});
  }
  return needs;
}

Status CheckFreeSpace(const std::vector<SpaceNeed>& needs, Env* env) {
  struct Filesystem {
    std::string folders, what;
    uint64_t needed = 0, available = 0;
  };
  std::map<uint64_t, Filesystem> by_device;
  for (const SpaceNeed& need : needs) {
    std::string existing = ExistingAncestor(need.folder, env);
    FreeSpace space;
    BAMORT_RETURN_IF_ERROR(env->GetFreeSpace(existing, &space).WithContext("for " + need.folder));
    Filesystem& fs = by_device[space.device];
    fs.folders += (fs.folders.empty() ? "" : " and ") + need.folder;
    fs.what += (fs.what.empty() ? "" : " and ") + need.what + " (" + Megabytes(need.bytes) + ")";
    fs.needed += need.bytes;
    fs.available = space.available;
  }
  std::string problems;
  for (const auto& [device, fs] : by_device) {
    if (fs.available >= fs.needed) continue;
    problems += (problems.empty() ? "" : "; ") + fs.folders + " has " + Megabytes(fs.available) +
                " free and needs about " + Megabytes(fs.needed) + " for " + fs.what;
  }
  if (problems.empty()) return Status::Ok();
  return Status::Precondition(
      "not enough free space: " + problems + "; nothing was written",
      "free space there, or point --out-dir / --verify-tmpdir at a folder with room (estimates: docs/BACKUP.md, "
      "'Disk space')");
}

}  // namespace bamort
