#include "common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

namespace bamort {

namespace {
std::string Errno() { return std::strerror(errno); }
}  // namespace

Status ReadFileToString(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::BadInput("cannot read " + path + ": " + Errno());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::BadInput("cannot read " + path);
  *out = ss.str();
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Failed("cannot create " + tmp + ": " + Errno());
  ::fchmod(fd, mode);
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::Failed("cannot write " + tmp + ": " + Errno());
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Status s = Status::Failed("cannot flush " + tmp + ": " + Errno());
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::Failed("cannot rename " + tmp + " to " + path + ": " + Errno());
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  try {
    Poco::File(path).createDirectories();
  } catch (const Poco::Exception& e) {
    return Status::Failed("cannot create directory " + path + ": " + e.displayText());
  }
  return Status::Ok();
}

}  // namespace bamort
