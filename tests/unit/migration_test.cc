#include "migrate/migration.h"
#include "migrate/migration_source.h"

#include <gtest/gtest.h>

namespace bamort {

TEST(Migration, ParsesHeaderUpAndDown) {
  Migration m;
  ASSERT_TRUE(ParseMigration("0007_add_x.sql",
                             "-- version: 0.5.0\n-- description: add x\n-- +up\nALTER TABLE t ADD x INT;\n"
                             "UPDATE t SET x = 1;\n-- +down\nALTER TABLE t DROP x;\n",
                             &m)
                  .ok());
  EXPECT_EQ(m.number, 7);
  EXPECT_EQ(m.version.ToString(), "0.5.0");
  EXPECT_EQ(m.description, "add x");
  ASSERT_EQ(m.up.size(), 2u);
  EXPECT_EQ(m.up[1].line, 5);
  EXPECT_TRUE(m.has_down);
  ASSERT_EQ(m.down.size(), 1u);
}

TEST(Migration, ChecksumIgnoresLineEndings) {
  EXPECT_EQ(NormalizedChecksum("a\r\nb\r\n"), NormalizedChecksum("a\nb\n"));
  EXPECT_NE(NormalizedChecksum("a\nb\n"), NormalizedChecksum("a\nc\n"));
}

TEST(Migration, IrreversibleNeedsAReasonAndNoStatements) {
  Migration m;
  ASSERT_TRUE(ParseMigration("0002_x.sql", "-- version: 0.4.0\n-- description: d\n-- +up\nSELECT 1;\n"
                             "-- +down irreversible: data merged\n", &m).ok());
  EXPECT_FALSE(m.has_down);
  EXPECT_EQ(m.irreversible_reason, "data merged");
  EXPECT_EQ(ParseMigration("0002_x.sql", "-- version: 0.4.0\n-- description: d\n-- +up\nSELECT 1;\n-- +down\n", &m)
                .code(),
            StatusCode::kBadInput);
}

TEST(Migration, BadFilesAreNamed) {
  Migration m;
  Status s = ParseMigration("0003_x.sql", "-- description: d\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n", &m);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("0003_x.sql"), std::string::npos);
  EXPECT_EQ(ParseMigration("x.sql", "", &m).code(), StatusCode::kBadInput);
}

TEST(MigrationSource, EmbeddedMigrationsAreContiguousAndGiveTheRequiredVersion) {
  std::vector<Migration> migrations;
  Status s = EmbeddedMigrationSource()->Load(&migrations);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().number, 1);
  EXPECT_EQ(migrations.front().version.ToString(), "0.4.0");
  EXPECT_EQ(RequiredDbVersion(), migrations.back().version);
  EXPECT_EQ(RequiredDbVersion().ToString(), "0.5.0");
}

TEST(MigrationSource, GapsAndFallingVersionsAreRefused) {
  std::vector<Migration> ms(2);
  ASSERT_TRUE(ParseMigration("0001_a.sql", "-- version: 0.5.0\n-- description: a\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n", &ms[0]).ok());
  ASSERT_TRUE(ParseMigration("0003_b.sql", "-- version: 0.5.0\n-- description: b\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n", &ms[1]).ok());
  EXPECT_EQ(CheckMigrationSequence(ms, "test").code(), StatusCode::kBadInput);
  ASSERT_TRUE(ParseMigration("0002_b.sql", "-- version: 0.4.0\n-- description: b\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n", &ms[1]).ok());
  EXPECT_EQ(CheckMigrationSequence(ms, "test").code(), StatusCode::kBadInput);
}

}  // namespace bamort
