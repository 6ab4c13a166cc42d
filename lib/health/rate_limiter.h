// RateLimiter: a token bucket per client (IP address) for bamort-health. Each client
// may send `burst` requests at once and then `rate` requests per second; beyond that
// Allow() says no and how many whole seconds to wait (the Retry-After value).
//
// The table of clients is bounded: at most max_clients entries, the least recently
// seen one evicted first. An evicted client starts again with a full bucket, which is
// what it would have after being idle for burst/rate seconds anyway, so a flood of
// addresses can cost memory only up to the bound and never locks anyone out.
// A rate of 0 turns the limiter off (every request allowed; for benchmarks).
//
// Thread-safe: every call takes one mutex. Time is passed in, so tests need no sleeps.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace bamort {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  RateLimiter(double rate_per_second, double burst, size_t max_clients);

  // true: the request may proceed (one token taken). false: *retry_after_seconds is the
  // wait, rounded up to whole seconds and at least 1, until one token is there again.
  bool Allow(const std::string& client, TimePoint now, int* retry_after_seconds);

  size_t clients() const;
  bool enabled() const { return rate_ > 0; }
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated{};
    std::list<std::string>::iterator lru;  // position in lru_ (front: most recent)
  };

  const double rate_;
  const double burst_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;
};

}  // namespace bamort
