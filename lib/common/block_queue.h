// BlockQueue: a bounded queue of byte blocks from one producing thread to one consuming
// thread, so that a reader of a stream never waits for a slow consumer until `max_blocks`
// blocks are queued (restore_read.cc: compressed blocks to the hashing thread;
// physical_backup.cc: mariadb-backup's stream to the mbstream feeder).
//
// The producer calls Push and, at the end of its input, Close. The consumer calls Pop
// until it returns false; a consumer that stops early (its own write failed) calls
// Abandon, after which Push returns false at once instead of waiting for room that never
// comes. Thread-safe for one producer and one consumer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace bamort {

class BlockQueue {
 public:
  explicit BlockQueue(size_t max_blocks) : max_blocks_(max_blocks) {}
  BlockQueue(const BlockQueue&) = delete;
  BlockQueue& operator=(const BlockQueue&) = delete;

  // False when the consumer has abandoned the queue (the block is dropped).
  bool Push(std::string block) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return abandoned_ || blocks_.size() < max_blocks_; });
    if (abandoned_) return false;
    blocks_.push_back(std::move(block));
    ready_.notify_one();
    return true;
  }
  bool Push(std::string_view block) { return Push(std::string(block)); }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  void Abandon() {
    std::lock_guard<std::mutex> lock(mu_);
    abandoned_ = true;
    blocks_.clear();
    room_.notify_one();
  }
  // False once closed and empty, or abandoned.
  bool Pop(std::string* block) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return closed_ || abandoned_ || !blocks_.empty(); });
    if (abandoned_ || blocks_.empty()) return false;
    *block = std::move(blocks_.front());
    blocks_.pop_front();
    room_.notify_one();
    return true;
  }

 private:
  const size_t max_blocks_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::string> blocks_;
  bool closed_ = false;
  bool abandoned_ = false;
};

}  // namespace bamort
