#include "health/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace bamort {

RateLimiter::RateLimiter(double rate_per_second, double burst, size_t max_clients)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), max_clients_(std::max<size_t>(1, max_clients)) {}

bool RateLimiter::Allow(const std::string& client, TimePoint now, int* retry_after_seconds) {
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    while (buckets_.size() >= max_clients_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(client);
    Bucket fresh;
    fresh.tokens = burst_;
    fresh.updated = now;
    fresh.lru = lru_.begin();
    it = buckets_.emplace(client, fresh).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  double wait = (1.0 - b.tokens) / rate_;
  if (retry_after_seconds) *retry_after_seconds = std::max(1, static_cast<int>(std::ceil(wait)));
  return false;
}

size_t RateLimiter::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

}  // namespace bamort
