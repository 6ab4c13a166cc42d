// bamort-migrate --dry-run rehearses: the real chain runs on a private copy of the
// database (migrate/rehearsal.h), so the dry run fails where the real run fails, with the
// same exit code and message, prints the statements that ran on this data, and leaves
// production byte-identical (CHECKSUM TABLE). The jobs run as processes.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/file_io.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ReadReportOrFail;
using testing::ScratchDatabase;
using testing::SourcePath;
using testing::TempPath;

Poco::JSON::Object::Ptr Rehearsal(const StepReport& rep) {
  EXPECT_TRUE(rep.details->has("rehearsal"));
  return rep.details->getObject("rehearsal");
}

std::string ErrorMessage(const StepReport& rep) { return rep.error ? rep.error->message : ""; }

// The dry run and then the real run with the same migrations: same exit code, and the
// dry run's message is the real one behind "rehearsal on a private copy of <db>: ".
void ExpectSameVerdict(const ScratchDatabase& db, const std::string& migrations, int expected_code,
                       const std::string& must_name) {
  auto before = db.TableChecksums();
  std::string dry_report = TempPath("dry.json");
  ProcessResult dry = db.Job("migrate", {"--dry-run", "--migrations-dir", migrations, "--report", dry_report});
  EXPECT_EQ(dry.exit_code, expected_code) << dry.out << dry.err;
  EXPECT_EQ(db.TableChecksums(), before) << "the dry run changed the database";
  StepReport dry_rep = ReadReportOrFail(dry_report);
  Poco::JSON::Object::Ptr r = Rehearsal(dry_rep);
  ASSERT_FALSE(r.isNull());
  EXPECT_EQ(r->getValue<std::string>("method"), "private-server");
  EXPECT_EQ(r->getValue<std::string>("outcome"), "failed");
  EXPECT_EQ(r->getValue<int>("exit_code"), expected_code);
  EXPECT_NE(ErrorMessage(dry_rep).find(must_name), std::string::npos) << ErrorMessage(dry_rep);
  // No dirty record on production: the failure happened on the copy.
  EXPECT_TRUE(dry_rep.details->isNull("dirty"));
  EXPECT_EQ(db.Job("status").exit_code, 3);  // behind, as before

  std::string real_report = TempPath("real.json");
  ProcessResult real = db.Job("migrate", {"--migrations-dir", migrations, "--report", real_report});
  EXPECT_EQ(real.exit_code, expected_code) << real.out << real.err;
  std::string real_message = ErrorMessage(ReadReportOrFail(real_report));
  EXPECT_NE(real_message.find(must_name), std::string::npos) << real_message;
  EXPECT_EQ(ErrorMessage(dry_rep), "rehearsal on a private copy of " + db.name() + ": " + real_message);
}

TEST(Rehearsal, RealLegacyDatabaseDryRunPrintsTheStatementsThatRunAndChangesNothing) {
  std::string fixture = testing::RealFixture("legacy-init00.sql");
  if (fixture.empty()) GTEST_SKIP() << "the real Bamort data (../shared/fixtures/legacy-init00.sql) is absent";
  ScratchDatabase db("rh_real");
  db.LoadSqlFile(fixture);
  auto checksums = db.TableChecksums();
  auto schema = db.SchemaSignature();
  std::string report = TempPath("real.json");
  ProcessResult r = db.Job("migrate", {"--dry-run", "--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rehearsed on a private copy"), std::string::npos) << r.out.substr(0, 2000);
  // The legacy chain renames its tables: the statement as it ran, not a guard.
  EXPECT_NE(r.out.find("RENAME TABLE IF EXISTS `learning_sources` TO `gsm_lit_sources`"), std::string::npos);
  EXPECT_NE(r.out.find("-- (executed by a prepared statement)"), std::string::npos);
  EXPECT_EQ(r.out.find("PREPARE st FROM"), std::string::npos) << "guards are not printed";
  EXPECT_EQ(r.out.find("UPDATE migration_history SET statements_done"), std::string::npos) << "no bookkeeping";
  EXPECT_EQ(r.out.find("INSERT INTO migration_history"), std::string::npos) << "no bookkeeping";
  EXPECT_EQ(db.TableChecksums(), checksums);
  EXPECT_EQ(db.SchemaSignature(), schema);

  Poco::JSON::Object::Ptr rh = Rehearsal(ReadReportOrFail(report));
  ASSERT_FALSE(rh.isNull());
  EXPECT_EQ(rh->getValue<std::string>("method"), "private-server");
  EXPECT_EQ(rh->getValue<std::string>("outcome"), "ok");
  EXPECT_GT(rh->getValue<int64_t>("statements_count"), 10);
  EXPECT_EQ(rh->getValue<int64_t>("migrations_run"), 12);
  std::cout << "[ measured ] legacy-init00: start " << rh->getValue<int64_t>("start_ms") << " ms, copy "
            << rh->getValue<int64_t>("copy_ms") << " ms (" << rh->getValue<int64_t>("copy_bytes")
            << " bytes), run " << rh->getValue<int64_t>("run_ms") << " ms\n";

  // The verdict holds: the real run succeeds too.
  ProcessResult real = db.Job("migrate");
  EXPECT_EQ(real.exit_code, 0) << real.err;
}

TEST(Rehearsal, MigrationThatFailsOnTheDataFailsTheDryRunLikeTheRealRun) {
  ScratchDatabase db("rh_fail");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  // Fails only because char_chars holds rows (duplicate primary key): a copy of the
  // schema alone would have let this dry run pass.
  std::string migrations =
      testing::SabotagedMigrations("0008_", "INSERT INTO `char_chars` SELECT * FROM `char_chars` ORDER BY `id` LIMIT 1;");
  ExpectSameVerdict(db, migrations, 4, "Duplicate entry");
}

TEST(Rehearsal, SchemaCheckFailureFailsTheDryRunLikeTheRealRun) {
  ScratchDatabase db("rh_proof");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::string migrations =
      testing::SabotagedMigrations("0012_", "ALTER TABLE `users` MODIFY COLUMN `email` varchar(100) DEFAULT NULL;");
  ExpectSameVerdict(db, migrations, 4, "schema check");
}

TEST(Rehearsal, WorksForAUserWithOnlyTheOfficialImagesGrants) {
  ScratchDatabase db("rh_grants");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  testing::DatabaseUser user(db, "ALL PRIVILEGES");  // the official image's grant
  auto before = db.TableChecksums();
  std::string report = TempPath("grants.json");
  ProcessResult r = db.Job("migrate", {"--dry-run", "--report", report}, user.env());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find(user.password()), std::string::npos) << "the password appears in the output";
  Poco::JSON::Object::Ptr rh = Rehearsal(ReadReportOrFail(report));
  EXPECT_FALSE(rh.isNull());
  if (!rh.isNull()) {
    EXPECT_EQ(rh->getValue<std::string>("method"), "private-server");
    EXPECT_EQ(rh->getValue<std::string>("outcome"), "ok");
  }
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(Rehearsal, WithoutAPrivateServerTheDryRunSaysItWasNotRehearsed) {
  ScratchDatabase db("rh_none");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  std::string report = TempPath("none.json");
  // No writable folder for the private server: no rehearsal possible.
  ProcessResult r = db.Job("migrate", {"--dry-run", "--report", report}, {{"TMPDIR", "/proc/no-such-folder"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CREATE TABLE IF NOT EXISTS `schema_version`"), std::string::npos) << "the generic plan";
  EXPECT_NE(r.out.find("-- migration 12 (0.5.0, up)"), std::string::npos);
  EXPECT_NE(r.err.find("NOT rehearsed"), std::string::npos) << r.err;
  StepReport rep = ReadReportOrFail(report);
  Poco::JSON::Object::Ptr rh = Rehearsal(rep);
  ASSERT_FALSE(rh.isNull());
  EXPECT_EQ(rh->getValue<std::string>("method"), "none");
  EXPECT_FALSE(rh->getValue<bool>("rehearsed"));
  EXPECT_NE(rh->getValue<std::string>("reason").find("not writable"), std::string::npos);
  EXPECT_EQ(db.TableChecksums(), before);
}

// deploy.sh --dry-run on a database whose real migrate fails: deploy stops with migrate's
// code, says nothing was changed, restores nothing; then the real migrate fails the same way.
TEST(Rehearsal, DeployDryRunStopsWithTheRealVerdictAndRestoresNothing) {
  std::string work = TempPath("deploy");
  Poco::File(work).createDirectories();
  std::string package = work + "/package.tar.gz";
  {
    ScratchDatabase dev("rh_dev");
    ASSERT_EQ(dev.Job("init", {}, {{"BAMORT_ADMIN_PASSWORD", "Rehearsal-Test-Pw"}}).exit_code, 0);
    ProcessResult prepared = dev.Job("prepare", {"--out", package});
    ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  }
  ScratchDatabase db("rh_deploy");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  // AutoMigrate's twin of a legacy table, holding rows too: 0002 stops (error 1644).
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE `gsm_lit_sources` LIKE `learning_sources`").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO `gsm_lit_sources` SELECT * FROM `learning_sources`").ok());
  auto before = db.TableChecksums();
  ProcessResult dry = testing::RunProcess(
      {SourcePath("docker/deploy.sh"), "--native", "--bin-dir", std::string(BAMORT_BINARY_DIR), "--reports-root",
       work + "/reports", "--backup-dir", work + "/backups", "--run-id", "dry1", "--dry-run", package},
      {{"BAMORT_DB_NAME", db.name()}});
  EXPECT_NE(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE((dry.out + dry.err).find("the migrate dry run failed"), std::string::npos) << dry.out << dry.err;
  EXPECT_EQ((dry.out + dry.err).find("RESTORED"), std::string::npos) << dry.out;
  EXPECT_EQ(db.TableChecksums(), before);

  ProcessResult real = db.Job("migrate");
  EXPECT_EQ(real.exit_code, dry.exit_code) << real.err;
}

// What the dry run prints is what ran: replayed by the mariadb client on a second copy of
// the same database, it gives the schema and the rows the real migrate gives.
TEST(Rehearsal, ThePrintedStatementsReplayToTheRealRunsResult) {
  ScratchDatabase migrated("rh_migrated");
  ScratchDatabase replayed("rh_replayed");
  migrated.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  replayed.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ProcessResult dry = replayed.Job("migrate", {"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("ADD COLUMN `game_system_id` bigint(20) unsigned DEFAULT "), std::string::npos)
      << "0007's prepared ALTER, printed as it was executed (with the M5 id in it)";
  EXPECT_EQ(dry.out.find("SET @s = "), std::string::npos) << "the guards' variables are not printed";
  std::string script = TempPath("replay.sql");
  ASSERT_TRUE(WriteFileAtomic(script, dry.out, 0600).ok());
  replayed.LoadSqlFile(script);
  ASSERT_EQ(migrated.Job("migrate").exit_code, 0);
  EXPECT_EQ(replayed.SchemaSignature(), migrated.SchemaSignature());
  auto a = migrated.TableChecksums(), b = replayed.TableChecksums();
  // game_systems' seed row carries the time it was written; compared without it.
  for (const char* differs : {"migration_history", "schema_version", "game_systems"}) {
    a.erase(differs);
    b.erase(differs);
  }
  EXPECT_EQ(a, b);
  const std::string seed = "SELECT CONCAT_WS('/', COUNT(*), MIN(code), MIN(name)) FROM game_systems";
  EXPECT_EQ(replayed.Scalar(seed), migrated.Scalar(seed));
}

}  // namespace
}  // namespace bamort
