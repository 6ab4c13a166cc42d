// HttpListener: the connections of bamort-health. One poll thread accepts connections and
// reads request heads without blocking; a fixed pool of workers parses each complete head,
// calls the handler and writes the answer. Neither an idle nor a slowly dribbling client
// ever holds a worker: a worker only sees a request whose head has fully arrived.
//
// Bounds (HttpListenerOptions):
// - a request head must arrive within header_timeout of the connection's start (or,
//   between keep-alive requests, within keep_alive_timeout of the last answer); otherwise
//   the connection is closed (408 when part of a head had come);
// - a head is at most kMaxRequestHeadBytes (http_wire.h), else 400 and close;
// - at most max_connections connections in total and max_connections_per_client per peer
//   address: a new connection makes room by closing the oldest idle or unfinished one
//   (ConnectionBudget), and is refused only when every connection is being answered;
// - a connection serves at most max_keep_alive_requests requests;
// - writing an answer gives up after write_timeout.
// Malformed or ambiguous heads (http_wire.h) are answered 400 here and closed, without
// reaching the handler.
//
// Start() binds and returns; Stop() stops accepting, closes idle connections, lets the
// answers in progress finish and joins every thread. The handler is called from the
// worker threads, several at once. Counters() is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/ServerSocket.h>

#include "common/joining_thread.h"
#include "common/status.h"
#include "health/connection_budget.h"
#include "health/http_wire.h"

namespace bamort {

struct HttpListenerOptions {
  std::string listen = "0.0.0.0:8080";  // ADDR:PORT, [v6]:PORT; port 0 picks a free one
  int workers = 8;
  size_t max_connections = 512;
  size_t max_connections_per_client = 32;
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  int max_keep_alive_requests = 100;
  std::chrono::milliseconds write_timeout{10000};
  int backlog = 128;
};

struct ListenerCounters {
  uint64_t accepted = 0;
  uint64_t open = 0;
  uint64_t shed = 0;           // closed to make room for a newer connection
  uint64_t refused = 0;        // closed at once: every connection was being answered
  uint64_t head_timeouts = 0;  // closed because the request head did not arrive in time
  uint64_t bad_requests = 0;   // answered 400 by the listener (malformed, ambiguous, too long)
};

class HttpListener {
 public:
  // Called with a parsed request and the peer's address; returns the answer.
  using Handler = std::function<HttpAnswer(const Poco::Net::HTTPRequest&, const std::string& peer)>;

  HttpListener(HttpListenerOptions options, Handler handler);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // kBadInput for an unusable address, kFailed when it cannot be bound.
  Status Start();
  void Stop();
  std::string bound_address() const { return bound_address_; }
  const HttpListenerOptions& options() const { return options_; }
  ListenerCounters Counters() const;

 private:
  enum class State { kWaiting, kBusy, kDraining };
  enum class After { kKeep, kDrain, kClose };
  struct Conn {
    int fd = -1;
    int id = 0;
    std::string peer;
    std::string buffer;  // received, not yet parsed
    State state = State::kWaiting;
    std::chrono::steady_clock::time_point deadline;
    int served = 0;
  };
  struct Job {
    Conn* conn = nullptr;
    std::string head;
    bool preset = false;  // answer is already decided (a listener-level 400)
    HttpAnswer answer;
  };
  struct Returned {
    int id = 0;
    After after = After::kClose;
  };

  void PollLoop();
  void WorkerLoop();
  void Serve(Job& job);
  void AcceptAll();
  void ReadFrom(Conn* c);
  void TryDispatch(Conn* c);
  void Dispatch(Conn* c, Job job);
  void TakeReturns();
  void StartDrain(Conn* c, std::chrono::steady_clock::time_point now);
  void ExpireDeadlines(std::chrono::steady_clock::time_point now);
  void CloseConn(int id);
  void CloseIdleForStop();
  void Wake();

  const HttpListenerOptions options_;
  const Handler handler_;
  Poco::Net::ServerSocket socket_;
  std::string bound_address_;
  int wake_pipe_[2] = {-1, -1};
  bool started_ = false;
  bool listening_ = false;

  // Owned by the poll thread. A busy Conn is handed to one worker until it is returned.
  std::map<int, std::unique_ptr<Conn>> conns_;
  ConnectionBudget budget_;
  int next_id_ = 1;
  std::chrono::steady_clock::time_point accept_paused_until_{};
  size_t busy_ = 0;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<Job> work_;
  std::vector<Returned> returned_;
  bool stopping_ = false;
  bool workers_stop_ = false;

  JoiningThread poll_thread_;
  std::vector<JoiningThread> workers_;

  std::atomic<uint64_t> accepted_{0}, open_{0}, shed_{0}, refused_{0}, head_timeouts_{0}, bad_requests_{0};
};

}  // namespace bamort
