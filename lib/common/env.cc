#include "common/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <Poco/Exception.h>
#include <Poco/File.h>

namespace bamort {

namespace {

std::string Errno() { return std::strerror(errno); }

FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.exists = true;
  info.is_dir = S_ISDIR(st.st_mode);
  info.is_regular = S_ISREG(st.st_mode);
  info.mode = static_cast<unsigned>(st.st_mode & 07777);
  info.owner = static_cast<unsigned>(st.st_uid);
  info.modified = std::chrono::system_clock::from_time_t(st.st_mtime);
  return info;
}

Status Fsync(const std::string& path, int flags, const char* what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::Failed("cannot open " + path + " to sync it: " + Errno());
  int rc = ::fsync(fd);
  std::string err = rc == 0 ? "" : Errno();
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Failed(std::string("cannot sync the ") + what + " " + path + ": " + err);
}

// The real system: POSIX calls, the system clock, fault points that do nothing.
class PosixEnv : public Env {
 public:
  Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes) override;
  Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) override;

  Status CreateDir(const std::string& path, unsigned mode) override {
    if (::mkdir(path.c_str(), mode) != 0) return Status::Failed("cannot create " + path + ": " + Errno());
    return Status::Ok();
  }
  Status CreateDirs(const std::string& path) override {
    try {
      Poco::File(path).createDirectories();
    } catch (const Poco::Exception& e) {
      return Status::Failed("cannot create directory " + path + ": " + e.displayText());
    }
    return Status::Ok();
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::Failed("cannot rename " + from + " to " + to + ": " + Errno());
    }
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Status::Failed("cannot delete " + path + ": " + Errno());
    return Status::Ok();
  }
  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Status::Failed("cannot remove " + path + ": " + Errno());
    return Status::Ok();
  }
  Status Stat(const std::string& path, FileInfo* info) override {
    *info = FileInfo();
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      *info = InfoOf(st);
      return Status::Ok();
    }
    if (errno == ENOENT) return Status::Ok();
    if (errno == ENOTDIR) {
      info->parent_not_folder = true;
      return Status::Ok();
    }
    return Status::Failed("cannot read " + path + ": " + Errno());
  }
  Status ListDir(const std::string& dir, std::vector<DirEntry>* entries) override;
  Status SyncFile(const std::string& path) override { return Fsync(path, O_RDONLY, "file"); }
  Status SyncDir(const std::string& dir) override { return Fsync(dir, O_RDONLY | O_DIRECTORY, "folder"); }
  Status GetFreeSpace(const std::string& dir, FreeSpace* out) override {
    struct stat st {};
    struct statvfs vfs {};
    if (::stat(dir.c_str(), &st) != 0 || ::statvfs(dir.c_str(), &vfs) != 0) {
      return Status::Failed("cannot read the free space of " + dir + ": " + Errno());
    }
    out->device = static_cast<uint64_t>(st.st_dev);
    out->available = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    return Status::Ok();
  }

  SystemTime Now() override { return std::chrono::system_clock::now(); }
  void FaultPoint(const char*) override {}
  std::optional<std::string> FaultPointSql(const char*) override { return std::nullopt; }
};

Status PosixEnv::ReadFileToString(const std::string& path, std::string* out, size_t max_bytes) {
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

Status PosixEnv::WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) {
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

Status PosixEnv::ListDir(const std::string& dir, std::vector<DirEntry>* entries) {
  entries->clear();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Status::Failed("cannot read the folder " + dir + ": " + Errno());
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  for (std::string& n : names) {
    DirEntry entry;
    struct stat st {};
    if (::lstat((dir + "/" + n).c_str(), &st) != 0) continue;  // gone meanwhile
    entry.info = InfoOf(st);
    entry.name = std::move(n);
    entries->push_back(std::move(entry));
  }
  return Status::Ok();
}

PosixEnv* RealEnv() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: usable until the process ends
  return env;
}

std::atomic<Env*>& CurrentEnv() {
  static std::atomic<Env*> env{RealEnv()};
  return env;
}

}  // namespace

Status RemoveTree(const std::string& dir, Env* env) {
  FileInfo info;
  BAMORT_RETURN_IF_ERROR(env->Stat(dir, &info));
  if (!info.exists) return Status::Ok();
  std::vector<DirEntry> entries;
  BAMORT_RETURN_IF_ERROR(env->ListDir(dir, &entries));
  for (const DirEntry& e : entries) {
    const std::string path = dir + "/" + e.name;
    BAMORT_RETURN_IF_ERROR(e.info.is_dir ? RemoveTree(path, env) : env->RemoveFile(path));
  }
  return env->RemoveDir(dir);
}

Env* Env::Default() { return CurrentEnv().load(std::memory_order_acquire); }

void Env::ReplaceDefaultForTest(Env* env) {
  CurrentEnv().store(env ? env : RealEnv(), std::memory_order_release);
}

}  // namespace bamort
