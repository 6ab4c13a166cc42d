#include "common/semver.h"

#include <gtest/gtest.h>

namespace bamort {

TEST(SemVer, ComparesNumericallyNotAsText) {
  SemVer a, b;
  ASSERT_TRUE(SemVer::Parse("0.10.0", &a).ok());
  ASSERT_TRUE(SemVer::Parse("0.9.0", &b).ok());
  EXPECT_GT(a, b);
  EXPECT_LT(b, a);
  ASSERT_TRUE(SemVer::Parse("v1.2.3", &a).ok());
  EXPECT_EQ(a.ToString(), "1.2.3");
  ASSERT_TRUE(SemVer::Parse("1.2.10", &b).ok());
  EXPECT_LT(a, b);
}

TEST(SemVer, RejectsMalformedVersions) {
  SemVer v;
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "1..2", "a.b.c", "1.2.x", "1.2.3-rc1", ".1.2"}) {
    Status s = SemVer::Parse(bad, &v);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << bad;
  }
}

}  // namespace bamort
