#include "backup/restore_read.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

#include "common/sha256.h"

namespace bamort {

namespace {

// The compressed blocks on their way from the reader to the hashing thread.
class BlockQueue {
 public:
  static constexpr size_t kMaxBlocks = 64;  // of 256 KB each (gzip_file.cc's read size)

  void Push(std::string_view block) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return blocks_.size() < kMaxBlocks; });
    blocks_.emplace_back(block);
    ready_.notify_one();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  // False once closed and empty.
  bool Pop(std::string* block) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return closed_ || !blocks_.empty(); });
    if (blocks_.empty()) return false;
    *block = std::move(blocks_.front());
    blocks_.pop_front();
    room_.notify_one();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::string> blocks_;
  bool closed_ = false;
};

}  // namespace

Status ReadSetOnce(const std::string& set_dir, const Manifest& manifest, const ManifestFile& source, bool sql_dump,
                   SetReadResult* out) {
  *out = SetReadResult();
  const std::string path = set_dir + "/" + source.name;
  Manifest others = manifest;
  others.files.clear();
  for (const ManifestFile& f : manifest.files) {
    if (f.name != source.name) others.files.push_back(f);
  }
  BlockQueue queue;
  std::string hex;
  uint64_t size = 0;
  // std::async's future waits for its thread when destroyed: joined on every path.
  std::future<void> hasher = std::async(std::launch::async, [&] {
    Sha256 sha;
    std::string block;
    while (queue.Pop(&block)) {
      sha.Update(block.data(), block.size());
      size += block.size();
    }
    hex = sha.HexDigest();
    CheckSetFiles(set_dir, others, &out->other_problems).ok();  // its problems say all its status would
  });
  auto feed = [&](std::string_view bytes) { queue.Push(bytes); };
  Status scan;
  {
    // Closed on every path, an exception of the scan too: else the hasher waits forever
    // and so does the future's destructor.
    struct CloseAtExit {
      BlockQueue* queue;
      ~CloseAtExit() { queue->Close(); }
    } close_at_exit{&queue};
    scan = sql_dump ? ScanSqlDump(path, &out->content, feed) : ScanJsonExport(path, &out->content, feed);
  }
  hasher.get();
  // A read that stopped early (a damaged gzip stream) hashes the whole file for the message.
  Status hashed = scan.ok() ? Status::Ok() : Sha256OfFile(path, &hex, &size);
  out->source_problem = hashed.ok() ? FileProblem(source, hex, size) : source.name + ": " + hashed.message();
  return scan;
}

}  // namespace bamort
