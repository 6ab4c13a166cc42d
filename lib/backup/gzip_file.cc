#include "backup/gzip_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <Poco/DigestEngine.h>

#include "backup/client_process.h"

namespace bamort {

namespace {

// One complete gzip member; an empty string means zlib failed (out of memory).
std::string CompressMember(const std::string& in, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out;
  out.resize(deflateBound(&zs, in.size()) + 64);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return "";
  out.resize(produced);
  return out;
}

}  // namespace

GzipFileWriter::~GzipFileWriter() {
  for (auto& f : in_flight_) f.wait();
  if (fd_ >= 0) ::close(fd_);
}

Status GzipFileWriter::Open(const std::string& path, int level, unsigned threads) {
  path_ = path;
  level_ = level;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // One chunk compressing per thread plus one waiting to be written keeps every core busy.
  max_in_flight_ = threads + 1;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) return Status::Failed("cannot create " + path + ": " + std::strerror(errno));
  sha_ = std::make_unique<Poco::SHA2Engine>(Poco::SHA2Engine::SHA_256);
  chunk_.reserve(kChunkSize);
  return Status::Ok();
}

Status GzipFileWriter::Write(std::string_view data) {
  uncompressed_ += data.size();
  while (!data.empty()) {
    size_t take = std::min(data.size(), kChunkSize - chunk_.size());
    chunk_.append(data.data(), take);
    data.remove_prefix(take);
    if (chunk_.size() == kChunkSize) BAMORT_RETURN_IF_ERROR(SubmitChunk());
  }
  return Status::Ok();
}

Status GzipFileWriter::SubmitChunk() {
  if (chunk_.empty()) return Status::Ok();
  while (in_flight_.size() >= max_in_flight_) BAMORT_RETURN_IF_ERROR(WriteOldest());
  int level = level_;
  in_flight_.push_back(std::async(std::launch::async, [level](std::string in) { return CompressMember(in, level); },
                                  std::move(chunk_)));
  chunk_ = std::string();
  chunk_.reserve(kChunkSize);
  return Status::Ok();
}

Status GzipFileWriter::WriteOldest() {
  std::string member = in_flight_.front().get();
  in_flight_.pop_front();
  if (member.empty()) return Status::Failed("compressing " + path_ + ": zlib failed");
  sha_->update(member.data(), static_cast<unsigned>(member.size()));
  compressed_ += member.size();
  return WriteAll(fd_, member.data(), member.size(), path_);
}

Status GzipFileWriter::Finish() {
  // An empty input still becomes a valid (empty) gzip file.
  if (!chunk_.empty() || (uncompressed_ == 0 && compressed_ == 0 && in_flight_.empty())) {
    if (chunk_.empty()) {
      std::string empty = CompressMember("", level_);
      sha_->update(empty.data(), static_cast<unsigned>(empty.size()));
      compressed_ += empty.size();
      BAMORT_RETURN_IF_ERROR(WriteAll(fd_, empty.data(), empty.size(), path_));
    } else {
      BAMORT_RETURN_IF_ERROR(SubmitChunk());
    }
  }
  while (!in_flight_.empty()) BAMORT_RETURN_IF_ERROR(WriteOldest());
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    fd_ = -1;
    return Status::Failed("cannot flush " + path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
  sha256_ = Poco::DigestEngine::digestToHex(sha_->digest());
  return Status::Ok();
}

Status ReadGzipFile(const std::string& path, const std::function<Status(std::string_view)>& on_data) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::BadInput("cannot open " + path + ": " + std::strerror(errno));
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    ::close(fd);
    return Status::Failed("zlib: inflateInit failed");
  }
  std::string in(1 << 18, '\0'), out(1 << 20, '\0');
  Status status;
  bool member_open = false;  // inside a member that has not ended yet
  bool any_member = false;
  for (;;) {
    ssize_t n = ::read(fd, &in[0], in.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::Failed("cannot read " + path + ": " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    zs.next_in = reinterpret_cast<Bytef*>(&in[0]);
    zs.avail_in = static_cast<uInt>(n);
    while (zs.avail_in > 0 && status.ok()) {
      member_open = true;
      any_member = true;
      zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
      zs.avail_out = static_cast<uInt>(out.size());
      int rc = inflate(&zs, Z_NO_FLUSH);
      size_t produced = out.size() - zs.avail_out;
      if (produced > 0) status = on_data(std::string_view(out.data(), produced));
      if (rc == Z_STREAM_END) {
        member_open = false;
        inflateReset(&zs);  // the next member, if any
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        status = Status::BadInput(path + " is not a valid gzip file (" + (zs.msg ? zs.msg : "data error") + ")");
      }
    }
    if (!status.ok()) break;
  }
  // Drain output that zlib still holds for the last input.
  while (status.ok() && member_open) {
    zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = out.size() - zs.avail_out;
    if (produced > 0) status = on_data(std::string_view(out.data(), produced));
    if (rc == Z_STREAM_END) member_open = false;
    else if (produced == 0) break;
  }
  inflateEnd(&zs);
  ::close(fd);
  if (status.ok() && (member_open || !any_member)) {
    status = Status::BadInput(path + " is truncated (the gzip stream ends in the middle)");
  }
  return status;
}

Status ReadGzipLines(const std::string& path, const std::function<Status(std::string_view line)>& on_line) {
  std::string pending;
  Status s = ReadGzipFile(path, [&](std::string_view data) {
    size_t start = 0;
    for (;;) {
      size_t nl = data.find('\n', start);
      if (nl == std::string_view::npos) {
        pending.append(data.data() + start, data.size() - start);
        return Status::Ok();
      }
      Status ls;
      if (pending.empty()) {
        ls = on_line(data.substr(start, nl - start));
      } else {
        pending.append(data.data() + start, nl - start);
        ls = on_line(pending);
        pending.clear();
      }
      if (!ls.ok()) return ls;
      start = nl + 1;
    }
  });
  if (!s.ok()) return s;
  if (!pending.empty()) return on_line(pending);
  return Status::Ok();
}

}  // namespace bamort
