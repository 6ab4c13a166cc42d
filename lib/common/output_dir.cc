#include "common/output_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace bamort {

Status CheckOutputDir(const std::string& setting, const std::string& dir, std::string* warning) {
  warning->clear();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();  // created by the job
    if (errno == ENOTDIR) {
      return Status::BadInput(setting + " " + dir + ": a part of the path is a file, not a folder",
                              "give a folder (it is created when missing)");
    }
    return Status::Ok();  // the job's own write reports what is wrong, with the path
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::BadInput(setting + " " + dir + " is not a folder", "give a folder (it is created when missing)");
  }
  if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    *warning = setting + " " + dir + " is writable by every local user (mode " + mode +
               ", no sticky bit): anyone on this host can delete or replace what is written there; chmod o-w it";
  }
  return Status::Ok();
}

}  // namespace bamort
