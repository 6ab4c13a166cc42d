// ProgressTicker: counts the bytes of a long step and calls `report` with the running total
// at most once per `every` (5 s by default), so that an operator sees a multi-minute dump or
// copy move (the logical dump's "MB of SQL so far", the physical copy's "MB of about N MB").
// One thread; `report` may be empty (then it only counts).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

namespace bamort {

class ProgressTicker {
 public:
  explicit ProgressTicker(std::function<void(uint64_t bytes)> report,
                          std::chrono::steady_clock::duration every = std::chrono::seconds(5))
      : report_(std::move(report)), every_(every) {}

  void Add(uint64_t n) {
    bytes_ += n;
    if (!report_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ >= every_) {
      last_ = now;
      report_(bytes_);
    }
  }
  uint64_t bytes() const { return bytes_; }

 private:
  std::function<void(uint64_t)> report_;
  std::chrono::steady_clock::duration every_;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace bamort
