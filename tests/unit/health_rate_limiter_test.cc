// The token bucket of bamort-health: burst, refill, Retry-After, separate clients, and the
// bound on the client table. Time is passed in, so nothing here sleeps.
#include <gtest/gtest.h>

#include "health/rate_limiter.h"

namespace bamort {
namespace {

using std::chrono::milliseconds;

TEST(HealthRateLimiter, BurstThenRefusedWithRetryAfterThenRefilled) {
  RateLimiter limiter(1.0, 5, 100);
  auto t0 = std::chrono::steady_clock::now();
  int retry = 0;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Allow("10.0.0.1", t0, &retry)) << i;
  EXPECT_FALSE(limiter.Allow("10.0.0.1", t0, &retry));
  EXPECT_EQ(retry, 1);
  EXPECT_FALSE(limiter.Allow("10.0.0.1", t0 + milliseconds(500), &retry));
  EXPECT_EQ(retry, 1);  // rounded up, never 0
  EXPECT_TRUE(limiter.Allow("10.0.0.1", t0 + milliseconds(1000), &retry));
  EXPECT_FALSE(limiter.Allow("10.0.0.1", t0 + milliseconds(1000), &retry));
}

TEST(HealthRateLimiter, OneRequestPerSecondWithoutBurst) {
  RateLimiter limiter(1.0, 1, 100);
  auto t0 = std::chrono::steady_clock::now();
  int retry = 0;
  EXPECT_TRUE(limiter.Allow("a", t0, &retry));
  EXPECT_FALSE(limiter.Allow("a", t0 + milliseconds(999), &retry));
  EXPECT_TRUE(limiter.Allow("a", t0 + milliseconds(2000), &retry));
}

TEST(HealthRateLimiter, SlowRateGivesLongerRetryAfter) {
  RateLimiter limiter(0.1, 1, 100);  // one request per 10 s
  auto t0 = std::chrono::steady_clock::now();
  int retry = 0;
  EXPECT_TRUE(limiter.Allow("a", t0, &retry));
  EXPECT_FALSE(limiter.Allow("a", t0, &retry));
  EXPECT_EQ(retry, 10);
}

TEST(HealthRateLimiter, ClientsAreIndependent) {
  RateLimiter limiter(1.0, 1, 100);
  auto t0 = std::chrono::steady_clock::now();
  int retry = 0;
  EXPECT_TRUE(limiter.Allow("127.0.0.1", t0, &retry));
  EXPECT_FALSE(limiter.Allow("127.0.0.1", t0, &retry));
  EXPECT_TRUE(limiter.Allow("127.0.0.2", t0, &retry));
}

TEST(HealthRateLimiter, TableStaysBoundedAndEvictsTheLeastRecentlySeen) {
  RateLimiter limiter(1.0, 1, 3);
  auto t0 = std::chrono::steady_clock::now();
  int retry = 0;
  EXPECT_TRUE(limiter.Allow("a", t0, &retry));
  EXPECT_TRUE(limiter.Allow("b", t0, &retry));
  EXPECT_TRUE(limiter.Allow("c", t0, &retry));
  EXPECT_FALSE(limiter.Allow("a", t0, &retry));  // a is now the most recently seen
  for (int i = 0; i < 1000; ++i) limiter.Allow("flood-" + std::to_string(i), t0, &retry);
  EXPECT_EQ(limiter.clients(), 3u);
  // a was evicted by the flood: it starts with a full bucket again.
  EXPECT_TRUE(limiter.Allow("a", t0, &retry));
}

TEST(HealthRateLimiter, RateZeroIsOff) {
  RateLimiter limiter(0, 1, 3);
  auto t0 = std::chrono::steady_clock::now();
  int retry = 0;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Allow("a", t0, &retry));
  EXPECT_EQ(limiter.clients(), 0u);
}

}  // namespace
}  // namespace bamort
