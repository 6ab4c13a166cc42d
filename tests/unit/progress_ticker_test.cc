// ProgressTicker (common/progress_ticker.h): counts every byte, reports at most once per
// interval with the running total.
#include "common/progress_ticker.h"

#include <gtest/gtest.h>

#include <vector>

namespace bamort {
namespace {

TEST(ProgressTicker, ReportsTheRunningTotalOncePerInterval) {
  std::vector<uint64_t> reported;
  ProgressTicker every_time([&](uint64_t bytes) { reported.push_back(bytes); }, std::chrono::seconds(0));
  every_time.Add(10);
  every_time.Add(5);
  EXPECT_EQ(reported, (std::vector<uint64_t>{10, 15}));

  reported.clear();
  ProgressTicker hourly([&](uint64_t bytes) { reported.push_back(bytes); }, std::chrono::hours(1));
  for (int i = 0; i < 1000; ++i) hourly.Add(1);
  EXPECT_TRUE(reported.empty()) << "not yet an hour";
  EXPECT_EQ(hourly.bytes(), 1000u);
}

TEST(ProgressTicker, WithoutAReportItOnlyCounts) {
  ProgressTicker quiet({});
  quiet.Add(7);
  EXPECT_EQ(quiet.bytes(), 7u);
}

}  // namespace
}  // namespace bamort
