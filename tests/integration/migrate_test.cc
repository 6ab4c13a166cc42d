// bamort-migrate, -status and -rollback run as processes against real databases in the
// legacy, v0.1.37 and main layouts (our own fixtures, and the real Bamort data when
// ../shared/fixtures is there).
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <thread>

#include "common/file_io.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::Missing;
using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;

std::string ReportPath(const std::string& tag) {
  return ::testing::TempDir() + "/report-" + std::to_string(getpid()) + "-" + tag + ".json";
}

StepReport ReadReportOrFail(const std::string& path) {
  StepReport r;
  Status s = ReadReport(path, &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return r;
}

size_t AppliedCount(const StepReport& r) {
  if (!r.details->has("applied")) return 0;
  return r.details->getArray("applied")->size();
}

// The schema a brand-new database gets from the chain: the reference every upgrade path
// must reach.
const std::vector<std::string>& FreshLatestSignature() {
  static const std::vector<std::string> signature = [] {
    ScratchDatabase fresh("fresh");
    ProcessResult r = fresh.Job("migrate");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return fresh.SchemaSignature();
  }();
  return signature;
}

void ExpectSameSchemaAsFresh(const ScratchDatabase& db) {
  std::vector<std::string> sig = db.SchemaSignature();
  const std::vector<std::string>& fresh = FreshLatestSignature();
  std::vector<std::string> extra = Missing(sig, fresh), lacking = Missing(fresh, sig);
  std::string diff;
  for (const auto& l : extra) diff += "  only in upgraded: " + l + "\n";
  for (const auto& l : lacking) diff += "  only in fresh:    " + l + "\n";
  EXPECT_TRUE(diff.empty()) << "schema differs from a fresh database at the latest version:\n" << diff;
}

TEST(Migrate, LegacySmallFixtureReachesTheFreshSchemaAndKeepsEveryRow) {
  ScratchDatabase db("legacy");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::map<std::string, int64_t> before;
  for (const char* t : {"char_chars", "char_eigenschaften", "char_wealth", "users", "gsm_skills", "gsm_spells",
                        "skill_skills", "skill_spells", "skill_weaponskills", "learning_sources",
                        "learning_character_classes", "equi_equipments", "audit_log_entries"}) {
    before[t] = db.Count(std::string("SELECT COUNT(*) FROM ") + t);
  }
  std::string image_sha = db.Scalar("SELECT SHA2(GROUP_CONCAT(image ORDER BY id), 256) FROM char_chars");
  std::string users_sha = db.Scalar(
      "SELECT SHA2(GROUP_CONCAT(CONCAT_WS('|', user_id, username, password_hash, email, created_at) ORDER BY user_id), 256) FROM users");

  std::string report = ReportPath("legacy");
  ProcessResult r = db.Job("migrate", {"--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StepReport rep = ReadReportOrFail(report);
  EXPECT_EQ(rep.status, "ok");
  EXPECT_EQ(rep.database.migration_number_before.value_or(-1), 0);
  EXPECT_EQ(rep.database.version_after.value_or(""), "0.5.0");
  EXPECT_EQ(AppliedCount(rep), 12u);
  ExpectSameSchemaAsFresh(db);

  std::map<std::string, std::string> renamed = {{"skill_skills", "char_skills"}, {"skill_spells", "char_spells"},
                                                {"skill_weaponskills", "char_weaponskills"},
                                                {"learning_sources", "gsm_lit_sources"},
                                                {"learning_character_classes", "gsm_character_classes"}};
  for (const auto& [table, count] : before) {
    std::string now = renamed.count(table) ? renamed[table] : table;
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM " + now), count) << table;
  }
  EXPECT_EQ(db.Scalar("SELECT SHA2(GROUP_CONCAT(image ORDER BY id), 256) FROM char_chars"), image_sha);
  EXPECT_EQ(db.Scalar("SELECT SHA2(GROUP_CONCAT(CONCAT_WS('|', user_id, username, password_hash, email, created_at) "
                      "ORDER BY user_id), 256) FROM users"),
            users_sha);

  // Money merge: where both columns held a value, the umlaut column was the real one.
  std::string expected_text;
  ASSERT_TRUE(ReadFileToString(SourcePath("tests/fixtures/legacy-small.expected.json"), &expected_text).ok());
  Poco::JSON::Object::Ptr expected =
      Poco::JSON::Parser().parse(expected_text).extract<Poco::JSON::Object::Ptr>();
  Poco::JSON::Object::Ptr wealth = expected->getObject("char_wealth_after_merge");
  for (const auto& [id, value] : *wealth) {
    Poco::JSON::Object::Ptr money = value.extract<Poco::JSON::Object::Ptr>();
    for (const char* col : {"goldstuecke", "silberstuecke", "kupferstuecke"}) {
      EXPECT_EQ(db.Scalar(std::string("SELECT COALESCE(") + col + ", 'NULL') FROM char_wealth WHERE id = " + id),
                money->get(col).isEmpty() ? std::string("NULL") : money->get(col).toString())
          << "char_wealth " << id << " " << col;
    }
  }
  // Every distinct (category, difficulty, level) improvement cost survives.
  int64_t distinct_costs = expected->getValue<int64_t>("improvement_costs_distinct_category_difficulty_level");
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM skill_improvement_cost2"), distinct_costs);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM gsm_skills WHERE game_system_id IS NULL OR game_system_id = 0"), 0);
  EXPECT_EQ(db.Scalar("SELECT code FROM game_systems WHERE id = 1"), "M5");
}

TEST(Migrate, RealLegacyDatabaseReachesTheFreshSchemaAndKeepsEveryRow) {
  std::string path = testing::RealFixture("legacy-init00.sql");
  if (path.empty()) GTEST_SKIP() << "the real Bamort data (../shared/fixtures/legacy-init00.sql) is absent";
  ScratchDatabase db("real");
  db.LoadSqlFile(path);
  ProcessResult r = db.Job("migrate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSameSchemaAsFresh(db);
  // Counts from ../shared/reference/upstream-facts.md, section 3 (init00).
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), 9);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_skills"), 184);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_spells"), 133);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_weaponskills"), 35);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_eigenschaften"), 81);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM users"), 4);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM gsm_spells"), 536);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM gsm_skills"), 75);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM gsm_lit_sources"), 6);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM skill_improvement_cost2"), 246);
  EXPECT_EQ(db.Scalar("SELECT goldstuecke FROM char_wealth WHERE id = 1"), "310");
  EXPECT_GT(db.Count("SELECT MAX(LENGTH(image)) FROM char_chars"), 400000);
}

TEST(Migrate, V0137LayoutWithGormVersionTablesReachesTheFreshSchema) {
  ScratchDatabase db("v0137");
  db.LoadSqlFile(SourcePath("tests/fixtures/v0137-small.sql"));
  int64_t chars = db.Count("SELECT COUNT(*) FROM char_chars");
  ProcessResult status = db.Job("status", {"--json"});
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_NE(status.out.find("\"migration_number\": 1"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("gorm-baseline"), std::string::npos) << status.out;
  std::string report = ReportPath("v0137");
  ProcessResult r = db.Job("migrate", {"--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(AppliedCount(ReadReportOrFail(report)), 11u);  // migration 1 is GORM's own row
  ExpectSameSchemaAsFresh(db);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), chars);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM schema_version WHERE version = '0.4.0' AND migration_number = 1"), 1);
}

TEST(Migrate, MainLayoutReachesTheFreshSchema) {
  ScratchDatabase db("main");
  db.LoadSqlFile(SourcePath("tests/fixtures/main-small.sql"));
  int64_t costs = db.Count("SELECT COUNT(*) FROM skill_improvement_cost2");
  ProcessResult r = db.Job("migrate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSameSchemaAsFresh(db);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM skill_improvement_cost2"), costs);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM game_systems"), 1);
}

TEST(Migrate, SecondRunAppliesNothingAndStatusIsCompatible) {
  ScratchDatabase db("twice");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  auto checksums = db.TableChecksums();
  std::string report = ReportPath("twice");
  ProcessResult r = db.Job("migrate", {"--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StepReport rep = ReadReportOrFail(report);
  EXPECT_EQ(AppliedCount(rep), 0u);
  EXPECT_TRUE(rep.details->getValue<bool>("nothing_pending"));
  EXPECT_FALSE(rep.details->getValue<bool>("lock_taken"));
  EXPECT_EQ(db.TableChecksums(), checksums);
  ProcessResult status = db.Job("status");
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_NE(status.out.find("compatible"), std::string::npos);
}

// The init containers of several pods start bamort-migrate at the same moment.
TEST(Migrate, FiveProcessesAtOnceApplyExactlyOnceAndAllExit0) {
  ScratchDatabase db("concurrent");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  constexpr int kProcesses = 5;
  std::vector<std::string> reports;
  std::vector<ProcessResult> results(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) reports.push_back(ReportPath("conc-" + std::to_string(i)));
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] { results[i] = db.Job("migrate", {"--report", reports[i]}); });
  }
  for (auto& t : threads) t.join();
  size_t total = 0, appliers = 0;
  for (int i = 0; i < kProcesses; ++i) {
    EXPECT_EQ(results[i].exit_code, 0) << "process " << i << ": " << results[i].err;
    size_t applied = AppliedCount(ReadReportOrFail(reports[i]));
    total += applied;
    appliers += applied > 0;
  }
  EXPECT_EQ(total, 12u);
  EXPECT_EQ(appliers, 1u);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM migration_history"), 12);
  EXPECT_EQ(db.Count("SELECT COUNT(DISTINCT migration_number) FROM migration_history WHERE success = 1"), 12);
}

class BrokenMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/migrations-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(MakeDirs(dir_).ok());
    for (Poco::DirectoryIterator it(SourcePath("migrations")), end; it != end; ++it) {
      if (it.name().size() > 4 && it.name().substr(it.name().size() - 4) == ".sql") it->copyTo(dir_);
    }
  }
  void WriteExtra(const std::string& third_statement) {
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/0013_test_extra.sql",
                                "-- version: 0.6.0\n-- description: test migration with five statements\n-- +up\n"
                                "CREATE TABLE IF NOT EXISTS t_extra (id INT PRIMARY KEY);\n"
                                "INSERT IGNORE INTO t_extra VALUES (1);\n" +
                                    third_statement +
                                    ";\nINSERT IGNORE INTO t_extra VALUES (3);\n"
                                    "CREATE TABLE IF NOT EXISTS t_extra2 (id INT);\n"
                                    "-- +down\nDROP TABLE IF EXISTS t_extra2;\nDROP TABLE IF EXISTS t_extra;\n")
                    .ok());
  }
  std::string dir_;
};

TEST_F(BrokenMigrationTest, ThirdStatementFailsLeavesDirtyRecordAndExit4ThenRefusesWith3) {
  ScratchDatabase db("broken");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  WriteExtra("INSERT INTO t_extra VALUES (1)");  // duplicate key: errno 1062
  std::string report = ReportPath("broken");
  ProcessResult r = db.Job("migrate", {"--migrations-dir", dir_, "--report", report});
  ASSERT_EQ(r.exit_code, 4) << r.err;
  StepReport rep = ReadReportOrFail(report);
  EXPECT_EQ(rep.status, "failed");
  ASSERT_TRUE(rep.error.has_value());
  EXPECT_EQ(rep.error->code, "dirty");
  EXPECT_NE(rep.error->message.find("statement 3 of 5"), std::string::npos) << rep.error->message;
  Poco::JSON::Object::Ptr dirty = rep.details->getObject("dirty");
  ASSERT_TRUE(dirty);
  EXPECT_EQ(dirty->getValue<int64_t>("migration_number"), 13);
  EXPECT_EQ(dirty->getValue<int64_t>("statements_done"), 2);
  EXPECT_EQ(dirty->getValue<int64_t>("statements_total"), 5);
  EXPECT_EQ(dirty->getValue<std::string>("failed_statement"), "INSERT INTO t_extra VALUES (1)");
  EXPECT_EQ(dirty->getValue<int64_t>("error_errno"), 1062);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM migration_history WHERE migration_number = 13 AND success = 0 "
                     "AND statements_done = 2 AND error_errno = 1062"), 1);

  ProcessResult again = db.Job("migrate", {"--migrations-dir", dir_});
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_NE(again.err.find("--repair"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("restore"), std::string::npos) << again.err;
  ProcessResult status = db.Job("status", {"--migrations-dir", dir_});
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_NE(status.out.find("dirty"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("INSERT INTO t_extra VALUES (1)"), std::string::npos) << status.out;

  // The way out by hand: fix the migration, --repair, migrate again.
  WriteExtra("INSERT IGNORE INTO t_extra VALUES (2)");
  ASSERT_EQ(db.Job("migrate", {"--migrations-dir", dir_, "--repair"}).exit_code, 0);
  ProcessResult fixed = db.Job("migrate", {"--migrations-dir", dir_});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM t_extra"), 3);
  EXPECT_EQ(db.Job("status", {"--migrations-dir", dir_}).exit_code, 0);
  // The built-in migrations now see a database ahead of them.
  ProcessResult ahead = db.Job("status", {"--json"});
  EXPECT_EQ(ahead.exit_code, 3);
  EXPECT_NE(ahead.out.find("\"state\": \"ahead\""), std::string::npos) << ahead.out;
  EXPECT_EQ(db.Job("migrate").exit_code, 3);
}

TEST_F(BrokenMigrationTest, FailureOnTheFirstStatementLeavesTheDatabaseCleanWithExit1) {
  ScratchDatabase db("firstfail");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/0013_test_extra.sql",
                              "-- version: 0.6.0\n-- description: fails at once\n-- +up\nSELECT * FROM no_such_table;\n"
                              "-- +down\nSELECT 1;\n")
                  .ok());
  auto before = db.TableChecksums();
  ProcessResult r = db.Job("migrate", {"--migrations-dir", dir_});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(Migrate, DryRunPrintsTheSqlAndLeavesTheDatabaseByteIdentical) {
  ScratchDatabase db("dryrun");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto checksums = db.TableChecksums();
  auto schema = db.SchemaSignature();
  ProcessResult r = db.Job("migrate", {"--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Rehearsed on a private copy (rehearsal_test.cc): the statements that ran there.
  EXPECT_NE(r.out.find("rehearsed on a private copy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CREATE TABLE IF NOT EXISTS `schema_version`"), std::string::npos);
  EXPECT_NE(r.out.find("-- migration 12 (0.5.0): "), std::string::npos);
  EXPECT_EQ(db.TableChecksums(), checksums);
  EXPECT_EQ(db.SchemaSignature(), schema);
}

TEST(Migrate, RollbackToV040AndForwardAgain) {
  ScratchDatabase db("rollback");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  int64_t chars = db.Count("SELECT COUNT(*) FROM char_chars");

  ScratchDatabase at040("at040");
  ASSERT_EQ(at040.Job("migrate", {"--to-version", "0.4.0"}).exit_code, 0);

  ProcessResult dry = db.Job("rollback", {"--to-version", "0.4.0", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("(0.5.0, down)"), std::string::npos);
  // Going down drops the 0.5.0 columns that hold data: not without a verified backup.
  auto before = db.TableChecksums();
  ProcessResult refused = db.Job("rollback", {"--to-version", "0.4.0"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("char_chars.game_system_id"), std::string::npos) << refused.err;
  EXPECT_EQ(db.TableChecksums(), before);
  std::string backup_report = ReportPath("rollback-backup");
  ProcessResult backup = db.Job("backup", {"--verify", "--out-dir", ::testing::TempDir() + "/rollback-sets-" +
                                           std::to_string(getpid()), "--report", backup_report});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;

  std::string report = ReportPath("rollback");
  ProcessResult down =
      db.Job("rollback", {"--to-version", "0.4.0", "--require-backup", backup_report, "--report", report});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  StepReport rep = ReadReportOrFail(report);
  EXPECT_EQ(rep.database.migration_number_after.value_or(-1), 5);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM migration_history"), 5);
  std::vector<std::string> sig = db.SchemaSignature(), ref = at040.SchemaSignature();
  EXPECT_TRUE(Missing(sig, ref).empty() && Missing(ref, sig).empty())
      << "after rollback the schema should equal a fresh 0.4.0 database";
  ProcessResult status = db.Job("status", {"--json"});
  EXPECT_NE(status.out.find("\"actual_db_version\": \"0.4.0\""), std::string::npos) << status.out;

  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  ExpectSameSchemaAsFresh(db);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), chars);
}

TEST(Migrate, RollbackRefusesIrreversibleMigrationsBeforeChangingAnything) {
  ScratchDatabase db("irreversible");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  auto before = db.TableChecksums();
  ProcessResult r = db.Job("rollback", {"--steps", "12"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no down part"), std::string::npos) << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(Migrate, RequireBackupRefusesWithoutAnOkReportOfThisDatabase) {
  ScratchDatabase db("needbackup");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult missing = db.Job("migrate", {"--require-backup", "/nonexistent/backup.json"});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_NE(missing.err.find("/nonexistent/backup.json"), std::string::npos);

  StepReport other;
  other.run_id = "r";
  other.job = "backup";
  other.status = "ok";
  other.started_at = other.finished_at = std::chrono::system_clock::now();
  other.tool_version = "x";
  other.database.host = "elsewhere:3306";
  other.database.name = "otherdb";
  std::string path = ReportPath("otherbackup");
  ASSERT_TRUE(WriteReport(other, path).ok());
  ProcessResult foreign = db.Job("migrate", {"--require-backup", path});
  EXPECT_EQ(foreign.exit_code, 3) << foreign.err;
  EXPECT_EQ(db.TableChecksums(), before);

  ASSERT_TRUE(WriteFileAtomic(path, "{\"report_version\": 1, \"run_id\": \"r\", \"job\": \"bac").ok());
  ProcessResult truncated = db.Job("migrate", {"--require-backup", path});
  EXPECT_EQ(truncated.exit_code, 2) << truncated.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(Jobs, BadConfigurationIsExit2AndNeverShowsThePassword) {
  ScratchDatabase db("badconfig");
  for (const char* job : {"status", "migrate", "rollback", "backup", "validate", "init", "health"}) {
    std::vector<std::string> args;
    if (std::string(job) == "rollback") args = {"--steps", "1"};
    ProcessResult url = db.Job(job, args, {{"DATABASE_URL", "bamort:Sup3rSecret!@mariadb:3306/bamort"}});
    EXPECT_EQ(url.exit_code, 2) << job << ": " << url.err;
    EXPECT_NE(url.err.find("DATABASE_URL"), std::string::npos) << job << ": " << url.err;
    EXPECT_EQ(url.err.find("Sup3rSecret"), std::string::npos) << job;
    ProcessResult port = db.Job(job, args, {{"BAMORT_DB_PORT", "99999"}});
    EXPECT_EQ(port.exit_code, 2) << job;
    EXPECT_NE(port.err.find("BAMORT_DB_PORT"), std::string::npos) << job << ": " << port.err;
    ProcessResult file = db.Job(job, args, {{"BAMORT_DB_PASSWORD_FILE", "/nonexistent/pw"}});
    EXPECT_EQ(file.exit_code, 2) << job;
    EXPECT_NE(file.err.find("BAMORT_DB_PASSWORD_FILE"), std::string::npos) << job << ": " << file.err;
    ProcessResult flag = db.Job(job, {"--db-password=x"});
    EXPECT_EQ(flag.exit_code, 2) << job;
    ProcessResult help = db.Job(job, {"--help"});
    EXPECT_EQ(help.exit_code, 0) << job;
    EXPECT_NE(help.out.find("Exit codes"), std::string::npos) << job;
  }
}

TEST(Jobs, WrongPasswordAndMissingDatabaseAreExit1WithAHint) {
  ScratchDatabase db("badlogin");
  std::string pw = ::testing::TempDir() + "/wrong-pw";
  { std::ofstream(pw) << "Wr0ng-But-Distinct-Pw\n"; }
  std::string report = ReportPath("badlogin");
  ProcessResult wrong = db.Job("status", {"--report", report}, {{"BAMORT_DB_PASSWORD_FILE", pw}});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("errno 1045"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("Wr0ng-But-Distinct-Pw"), std::string::npos);
  std::string text;
  ASSERT_TRUE(ReadFileToString(report, &text).ok());
  EXPECT_EQ(text.find("Wr0ng-But-Distinct-Pw"), std::string::npos);
  ProcessResult nodb = db.Job("status", {}, {{"BAMORT_DB_NAME", "no_such_database_here"}});
  EXPECT_EQ(nodb.exit_code, 1);
  EXPECT_NE(nodb.err.find("does not exist"), std::string::npos) << nodb.err;
}

}  // namespace
}  // namespace bamort
