// JoiningThread: a std::thread that is joined when its owner goes out of scope (what
// C++20's std::jthread does, without the stop token), so no thread can outlive an early
// return or an exception of the function that started it (issue 16 item 2). Move-only;
// Join() may be called early and more than once. Like std::thread, not thread-safe itself:
// one owner starts and joins it.
#pragma once

#include <thread>
#include <utility>

namespace bamort {

class JoiningThread {
 public:
  JoiningThread() = default;
  template <typename F>
  explicit JoiningThread(F&& body) : thread_(std::forward<F>(body)) {}
  ~JoiningThread() { Join(); }
  JoiningThread(JoiningThread&&) = default;
  JoiningThread& operator=(JoiningThread&& other) {
    Join();
    thread_ = std::move(other.thread_);
    return *this;
  }
  JoiningThread(const JoiningThread&) = delete;
  JoiningThread& operator=(const JoiningThread&) = delete;

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  bool running() const { return thread_.joinable(); }

 private:
  std::thread thread_;
};

}  // namespace bamort
