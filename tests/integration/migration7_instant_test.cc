// Migration 0007 gives existing rows their game_system_id by an instant ADD COLUMN with
// the M5 id as default (then DEFAULT NULL), no longer by an UPDATE that rewrites every
// row (issue 18 item 5). These tests run the whole chain twice on one starting database,
// once with the migration 0007 as it was before (kept as
// tests/fixtures/old-migrations/0007_game_system_ids.sql) and once with the current one,
// and require the same rows (CHECKSUM TABLE and row count of every table) and the same
// schema (column order included).
#include <fstream>
#include <sstream>

#include <Poco/File.h>

#include "test_support.h"

namespace bamort::testing {
namespace {

// migrations/ with 0007 replaced by the old text, in a fresh temp folder.
std::string OldChain() {
  static int n = 0;
  std::string dir = ::testing::TempDir() + "/m7-old-" + std::to_string(getpid()) + "-" + std::to_string(++n);
  Poco::File(dir).createDirectories();
  std::vector<std::string> names;
  Poco::File(SourcePath("migrations")).list(names);
  for (const std::string& name : names) {
    std::string text = ReadWholeFile(SourcePath("migrations/" + name));
    if (name.rfind("0007_", 0) == 0) text = ReadWholeFile(SourcePath("tests/fixtures/old-migrations/" + name));
    std::ofstream(dir + "/" + name) << text;
  }
  return dir;
}

// Rows of every table but the three that hold "now" (game_systems.created_at, the
// version tables' applied_at and checksums).
std::map<std::string, std::string> Rows(const ScratchDatabase& db) {
  std::map<std::string, std::string> out = db.TableChecksums();
  for (const char* t : {"game_systems", "schema_version", "migration_history"}) out.erase(t);
  return out;
}

std::vector<std::string> Schema(const ScratchDatabase& db) {
  std::vector<std::string> out = db.SchemaSignature();
  auto conn = db.Connect();
  ResultSet rs;
  EXPECT_TRUE(conn->Query("SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' #', ORDINAL_POSITION) FROM "
                          "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
                          &rs)
                  .ok());
  for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs.GetString(i, 0));
  std::sort(out.begin(), out.end());
  return out;
}

void ExpectSameAsOldMigration(const std::string& fixture) {
  ScratchDatabase before("m7_old"), now("m7_new");
  before.LoadSqlFile(fixture);
  now.LoadSqlFile(fixture);
  ProcessResult old_run = before.Job("migrate", {"--migrations-dir", OldChain()});
  ASSERT_EQ(old_run.exit_code, 0) << old_run.err;
  ProcessResult new_run = now.Job("migrate", {"--migrations-dir", SourcePath("migrations")});
  ASSERT_EQ(new_run.exit_code, 0) << new_run.err;

  std::map<std::string, std::string> old_rows = Rows(before), new_rows = Rows(now);
  EXPECT_GT(old_rows.size(), 40u);
  EXPECT_EQ(new_rows, old_rows);
  EXPECT_EQ(Schema(now), Schema(before));
  // The content itself, not only its checksum: every row of the 16 tables points to M5.
  int64_t m5 = now.Count("SELECT id FROM game_systems WHERE code = 'M5'");
  EXPECT_EQ(now.Count("SELECT COUNT(*) FROM char_chars WHERE game_system_id <> " + std::to_string(m5) +
                      " OR game_system_id IS NULL"),
            0);
  EXPECT_EQ(now.Count("SELECT COUNT(*) FROM char_chars WHERE game_system <> 'midgard' OR game_system IS NULL"),
            before.Count("SELECT COUNT(*) FROM char_chars WHERE game_system <> 'midgard' OR game_system IS NULL"));
  // New rows get NULL, as the old migration's column default said.
  EXPECT_EQ(now.Scalar("SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                       "AND TABLE_NAME = 'char_chars' AND COLUMN_NAME = 'game_system_id'"),
            "NULL");

  // Run again on the migrated database (the chain is idempotent): nothing changes.
  ProcessResult again = now.Job("migrate", {"--migrations-dir", SourcePath("migrations")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Rows(now), new_rows);
}

TEST(Migration7Instant, RealLegacyFixtureGetsExactlyTheRowsOfTheOldMigration) {
  std::string fixture = RealFixture("legacy-init00.sql");
  if (fixture.empty()) GTEST_SKIP() << "real fixture legacy-init00.sql absent";
  ExpectSameAsOldMigration(fixture);
}

TEST(Migration7Instant, EverySmallLayoutGetsExactlyTheRowsOfTheOldMigration) {
  for (const char* f : {"legacy-small.sql", "v0137-small.sql", "main-small.sql"}) {
    SCOPED_TRACE(f);
    ExpectSameAsOldMigration(SourcePath(std::string("tests/fixtures/") + f));
  }
}

// main's layout already has game_system_id: rows that are NULL or 0 there are still
// updated (the instant default only serves columns this migration adds).
TEST(Migration7Instant, ExistingColumnsStillGetM5WhereTheyAreNullOrZero) {
  ScratchDatabase db("m7_main");
  db.LoadSqlFile(SourcePath("tests/fixtures/main-small.sql"));
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("UPDATE char_chars SET game_system_id = NULL WHERE id % 2 = 0").ok());
  ASSERT_TRUE(conn->Execute("UPDATE gsm_spells SET game_system_id = 0").ok());
  ProcessResult r = db.Job("migrate", {"--migrations-dir", SourcePath("migrations")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars WHERE game_system_id IS NULL OR game_system_id = 0"), 0);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM gsm_spells WHERE game_system_id IS NULL OR game_system_id = 0"), 0);
}

}  // namespace
}  // namespace bamort::testing
