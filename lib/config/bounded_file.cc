#include "config/bounded_file.h"

#include <sys/stat.h>

#include "common/file_io.h"

namespace bamort {

Status ReadFileBounded(const std::string& path, size_t max_bytes, std::string* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::BadInput(path + " is a directory, not a file");
  return ReadFileToString(path, out, max_bytes);
}

}  // namespace bamort
