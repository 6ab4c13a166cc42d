#include "common/file_io.h"

namespace bamort {

Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes) {
  return Env::Default()->ReadFileToString(path, out, max_bytes);
}

Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) {
  return Env::Default()->WriteFileAtomic(path, content, mode);
}

Status MakeDirs(const std::string& path) { return Env::Default()->CreateDirs(path); }

Status FsyncDir(const std::string& dir) { return Env::Default()->SyncDir(dir); }

}  // namespace bamort
