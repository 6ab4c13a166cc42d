#include "common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

namespace bamort {

namespace {
std::string Errno() { return std::strerror(errno); }
}  // namespace

Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes) {
  // read(2) into a buffer sized once from fstat: an ostringstream grew and copied a
  // 40 MB master-data document several times.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::BadInput("cannot read " + path + ": " + Errno());
  auto too_large = [&] {
    ::close(fd);
    out->clear();
    return Status::BadInput(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  };
  struct stat st;
  out->clear();
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
    out->reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    size_t have = out->size();
    bool direct = out->capacity() - have >= sizeof buf;
    if (direct) out->resize(out->capacity());
    ssize_t n = direct ? ::read(fd, &(*out)[have], out->size() - have) : ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      if (direct) out->resize(have);
      continue;
    }
    if (n < 0) {
      std::string err = Errno();
      ::close(fd);
      out->clear();
      return Status::BadInput("cannot read " + path + ": " + err);
    }
    if (direct) out->resize(have + static_cast<size_t>(n));
    else out->append(buf, static_cast<size_t>(n));
    if (out->size() > max_bytes) return too_large();  // a pipe, a device or a growing file
    if (n == 0) break;
  }
  ::close(fd);
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

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Failed("cannot open " + dir + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Failed("cannot sync " + dir);
}

}  // namespace bamort
