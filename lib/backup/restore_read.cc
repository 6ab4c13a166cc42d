#include "backup/restore_read.h"

#include <future>

#include "common/block_queue.h"
#include "common/sha256.h"

namespace bamort {

Status ReadSetOnce(const std::string& set_dir, const Manifest& manifest, const ManifestFile& source, bool sql_dump,
                   SetReadResult* out) {
  *out = SetReadResult();
  const std::string path = set_dir + "/" + source.name;
  Manifest others = manifest;
  others.files.clear();
  for (const ManifestFile& f : manifest.files) {
    if (f.name != source.name) others.files.push_back(f);
  }
  BlockQueue queue(64);  // blocks of 256 KB (gzip_file.cc's read size)
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
