#include "common/output_dir.h"

#include <cstdio>

namespace bamort {

Status CheckOutputDir(const std::string& setting, const std::string& dir, std::string* warning, Env* env) {
  warning->clear();
  FileInfo info;
  // A folder that cannot be read: the job's own write reports what is wrong, with the path.
  if (!env->Stat(dir, &info).ok()) return Status::Ok();
  if (info.parent_not_folder) {
    return Status::BadInput(setting + " " + dir + ": a part of the path is a file, not a folder",
                            "give a folder (it is created when missing)");
  }
  if (!info.exists) return Status::Ok();  // created by the job
  if (!info.is_dir) {
    return Status::BadInput(setting + " " + dir + " is not a folder", "give a folder (it is created when missing)");
  }
  if ((info.mode & 0002) && !(info.mode & 01000)) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", info.mode);
    *warning = setting + " " + dir + " is writable by every local user (mode " + mode +
               ", no sticky bit): anyone on this host can delete or replace what is written there; chmod o-w it";
  }
  return Status::Ok();
}

}  // namespace bamort
