// Gzip files for backup sets, written and read as streams.
//
// GzipFileWriter compresses in parallel, the way pigz does: the input is cut into
// chunks of 1 MiB and each chunk becomes an independent gzip member, compressed on its
// own thread with isa-l's igzip (levels 0-3; level 1 compresses about as well as gzip -1,
// several times faster); the members are written in order. Concatenated members are a valid gzip
// file for gunzip, zcat and every zlib reader (RFC 1952, section 2.2). The SHA-256 and
// size of the compressed file are computed while writing, so the manifest needs no
// second pass over the file. The file is created 0600 with O_EXCL and fsynced by
// Finish(); a writer destroyed without Finish() leaves the file unfinished (the caller
// keeps it in a .partial folder, see backup_set.h).
//
// ReadGzipFile streams the decompressed bytes of a (multi-member) gzip file to a
// callback; a truncated or damaged file is kBadInput naming it.
// Neither is thread-safe for the caller; the writer's worker threads are internal.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace bamort {

class GzipFileWriter {
 public:
  static constexpr size_t kChunkSize = 1 << 20;

  GzipFileWriter() = default;
  ~GzipFileWriter();
  GzipFileWriter(const GzipFileWriter&) = delete;
  GzipFileWriter& operator=(const GzipFileWriter&) = delete;

  // igzip level 0 (fastest) to 3; threads 0 = one per core.
  Status Open(const std::string& path, int level = 1, unsigned threads = 0);
  Status Write(std::string_view data);
  // Writes what is left and closes the file; with sync = false the caller fsyncs it later
  // (the physical backup does so beside its verification).
  Status Finish(bool sync = true);

  uint64_t uncompressed_bytes() const { return uncompressed_; }
  uint64_t compressed_bytes() const { return compressed_; }
  const std::string& sha256() const { return sha256_; }  // after Finish()

 private:
  Status SubmitChunk();
  Status WriteOldest();

  std::string path_;
  int fd_ = -1;
  int level_ = 1;
  size_t max_in_flight_ = 2;
  std::string chunk_;
  std::deque<std::future<std::string>> in_flight_;
  std::unique_ptr<Sha256> sha_;
  uint64_t uncompressed_ = 0;
  uint64_t compressed_ = 0;
  std::string sha256_;
};

// Calls on_data with decompressed pieces in order; stops early when on_data fails.
// on_compressed, when given, sees every byte read from the file, in order, before it is
// inflated (the restore hashes the file in the same pass as it checks its content).
Status ReadGzipFile(const std::string& path, const std::function<Status(std::string_view)>& on_data,
                    const std::function<void(std::string_view)>& on_compressed = {});

// Calls on_line for each '\n'-terminated line (without the '\n') of a gzip file; a last
// line without '\n' is passed too.
Status ReadGzipLines(const std::string& path, const std::function<Status(std::string_view line)>& on_line,
                     const std::function<void(std::string_view)>& on_compressed = {});

}  // namespace bamort
