// The change-share guard of the master-data import (masterdata/import_guards.h) without a
// database: which entities it refuses, in which words, and what lets them through.
#include <gtest/gtest.h>

#include "masterdata/import_guards.h"

namespace bamort::masterdata {
namespace {

EntityImportCounts Counts(const std::string& name, uint64_t updated, uint64_t unchanged, uint64_t only_in_db,
                          uint64_t pruned = 0) {
  EntityImportCounts c;
  c.name = name;
  c.table = "t_" + name;
  c.updated = updated;
  c.unchanged = unchanged;
  c.only_in_database = only_in_db;
  c.pruned = pruned;
  return c;
}

TEST(MasterDataChangeGuardTest, RefusesOnlyTablesOverTheShareAndTheMinimumSize) {
  ChangeGuardOptions options;  // 20 %, tables of at least 20 rows
  ChangeGuardReport report;
  std::vector<EntityImportCounts> entities = {
      Counts("skills", 49, 17, 0),   // 74 %: refused
      Counts("spells", 10, 40, 0),   // exactly 20 %: not more than the share
      Counts("sources", 6, 0, 0),    // 100 % of a tiny table: never refused
      Counts("believes", 0, 30, 10, 10),  // 10 deletions of 40 rows: 25 %
  };
  Status s = CheckChangeShare(options, entities, &report);
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  ASSERT_EQ(report.exceeded.size(), 2u);
  EXPECT_EQ(report.exceeded[0].Describe(), "skills (t_skills) would update 49 of 66 rows (74 %)");
  EXPECT_EQ(report.exceeded[1].Describe(), "believes (t_believes) would delete 10 of 40 rows (25 %)");
  EXPECT_NE(s.message().find("skills (t_skills) would update 49 of 66 rows"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("spells"), std::string::npos) << s.message();
  EXPECT_NE(s.hint().find(kLargeChangesFlag), std::string::npos) << s.hint();
}

TEST(MasterDataChangeGuardTest, InsertsNeverCountAndTheFlagOrAHigherShareLetThrough) {
  EntityImportCounts fresh = Counts("skills", 0, 0, 0);
  fresh.inserted = 1000;
  ChangeGuardReport report;
  EXPECT_TRUE(CheckChangeShare({}, {fresh}, &report).ok());
  std::vector<EntityImportCounts> big = {Counts("skills", 30, 70, 0)};
  EXPECT_FALSE(CheckChangeShare({}, big, &report).ok());
  ChangeGuardOptions allow;
  allow.allow_large_changes = true;
  EXPECT_TRUE(CheckChangeShare(allow, big, &report).ok());
  EXPECT_EQ(report.exceeded.size(), 1u);  // still reported, as allowed
  ChangeGuardOptions higher;
  higher.max_change_percent = 30;
  EXPECT_TRUE(CheckChangeShare(higher, big, &report).ok());
  EXPECT_TRUE(report.exceeded.empty());
}

}  // namespace
}  // namespace bamort::masterdata
