// docker/deploy.sh --native as the operator runs it: the whole chain on a legacy
// database, the dry run, bad packages, and the automatic restore after a failed migration.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>

#include "common/file_io.h"
#include "config/db_config.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::RunProcess;
using testing::ScratchDatabase;
using testing::SourcePath;

class DeployTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    package_ = ::testing::TempDir() + "/deploy-package-" + std::to_string(getpid()) + ".tar.gz";
    // The package as the development side builds it: bamort-prepare exporting a database, here one
    // that bamort-init filled with the shipped sample set (the set itself is refused by the import
    // on a database that already holds master data).
    ScratchDatabase dev("deploy_dev");
    ProcessResult init = dev.Job("init", {}, {{"BAMORT_ADMIN_PASSWORD", "Deploy-Test-Pw"}});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    ProcessResult r = dev.Job("prepare", {"--out", package_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void SetUp() override {
    work_ = ::testing::TempDir() + "/deploy-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (Poco::File(work_).exists()) Poco::File(work_).remove(true);
    ASSERT_TRUE(MakeDirs(work_).ok());
  }
  ProcessResult Deploy(const ScratchDatabase& db, std::vector<std::string> extra, const std::string& package) {
    std::vector<std::string> argv = {SourcePath("docker/deploy.sh"), "--native", "--bin-dir",
                                     std::string(BAMORT_BINARY_DIR), "--reports-root", work_ + "/reports",
                                     "--backup-dir", work_ + "/backups", "--run-id", "run1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(package);
    return RunProcess(argv, {{"BAMORT_DB_NAME", db.name()}});
  }
  StepReport Report(const std::string& step) {
    StepReport r;
    Status s = ReadReport(work_ + "/reports/run1/" + step + ".json", &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }
  static std::string package_;
  std::string work_;
};
std::string DeployTest::package_;

TEST_F(DeployTest, LegacyDatabaseIsBackedUpMigratedImportedAndValidated) {
  ScratchDatabase db("deploy");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  int64_t chars = db.Count("SELECT COUNT(*) FROM char_chars");
  ProcessResult r = Deploy(db, {}, package_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("DEPLOYED: database at version 0.5.0"), std::string::npos) << r.out;
  for (const char* step : {"backup", "status", "migrate", "import", "validate"}) {
    StepReport rep = Report(step);
    EXPECT_EQ(rep.run_id, "run1") << step;
  }
  EXPECT_EQ(Report("migrate").database.version_after.value_or(""), "0.5.0");
  EXPECT_EQ(Report("validate").status, "ok");
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), chars);
  EXPECT_EQ(db.Job("status").exit_code, 0);
}

TEST_F(DeployTest, DryRunChangesNothing) {
  ScratchDatabase db("deploydry");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult r = Deploy(db, {"--dry-run"}, package_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("DRY RUN complete"), std::string::npos) << r.out;
  EXPECT_EQ(db.TableChecksums(), before);
  // The database is behind: migrate's dry run rehearsed the import on its migrated copy.
  EXPECT_NE(r.out.find("import: rehearsed (see migrate.json details.rehearsal.import)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("import (rehearsed): skills:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("import: skipped"), std::string::npos) << r.out;
  Poco::JSON::Object::Ptr rehearsal = Report("migrate").details->getObject("rehearsal");
  ASSERT_FALSE(rehearsal.isNull());
  ASSERT_TRUE(rehearsal->has("import"));
  EXPECT_EQ(rehearsal->getObject("import")->getValue<std::string>("outcome"), "ok");
  // The verdict holds: the real run succeeds too.
  ProcessResult real = Deploy(db, {"--run-id", "run2"}, package_);
  EXPECT_EQ(real.exit_code, r.exit_code) << real.out << real.err;
}

// A package the import refuses (the shipped sample set on a database that holds master
// data): the dry run on a behind database stops with the import's exit code, like the
// real run then does, and changes nothing.
TEST_F(DeployTest, DryRunFailsWhereTheRealImportWouldFail) {
  ScratchDatabase db("deploydrysample");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::string sample = work_ + "/sample.tar.gz";
  ProcessResult prepared = db.Job("prepare", {"--from", SourcePath("masterdata"), "--out", sample});
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  auto before = db.TableChecksums();
  ProcessResult dry = Deploy(db, {"--dry-run"}, sample);
  EXPECT_EQ(dry.exit_code, 3) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("the migrate dry run failed (exit 3)"), std::string::npos) << dry.out;
  EXPECT_EQ(db.TableChecksums(), before);
  ProcessResult real = Deploy(db, {"--run-id", "run2"}, sample);
  EXPECT_EQ(real.exit_code, dry.exit_code) << real.out << real.err;
  EXPECT_NE(real.out.find("the master-data import failed"), std::string::npos) << real.out;
}

TEST_F(DeployTest, BadArgumentsAndDamagedPackagesTouchNothing) {
  ScratchDatabase db("deploybad");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult missing = Deploy(db, {}, work_ + "/no-such-package.tar.gz");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  ProcessResult unknown = Deploy(db, {"--frobnicate"}, package_);
  EXPECT_EQ(unknown.exit_code, 2);

  // A package whose content no longer matches checksums.txt.
  std::string dir = work_ + "/pkg";
  ASSERT_TRUE(MakeDirs(dir).ok());
  ASSERT_EQ(RunProcess({"/bin/tar", "-xzf", package_, "-C", dir}).exit_code, 0);
  ASSERT_TRUE(WriteFileAtomic(dir + "/metadata.json", "{\"tampered\": true}\n").ok());
  std::string tampered = work_ + "/tampered.tar.gz";
  ASSERT_EQ(RunProcess({"/bin/tar", "-czf", tampered, "-C", dir, "."}).exit_code, 0);
  ProcessResult bad = Deploy(db, {}, tampered);
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("fails its checksums"), std::string::npos) << bad.err;
  ASSERT_TRUE(WriteFileAtomic(work_ + "/garbage.tar.gz", "not a tar file").ok());
  EXPECT_EQ(Deploy(db, {}, work_ + "/garbage.tar.gz").exit_code, 2);

  EXPECT_EQ(db.TableChecksums(), before);
  EXPECT_FALSE(Poco::File(work_ + "/backups").exists() && Poco::File(work_ + "/reports/run1/backup.json").exists());
}

// A conflicting improvement cost makes migration 0010 stop after 0001-0009 changed the
// database: migrate exits 4, and deploy.sh restores the pre-deploy backup.
void AddConflictingCost(const ScratchDatabase& db) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("INSERT INTO learning_skill_improvement_costs (skill_category_difficulty_id, current_level, "
                            "te_required) SELECT skill_category_difficulty_id, current_level, te_required + 7 "
                            "FROM learning_skill_improvement_costs ORDER BY id LIMIT 1").ok());
}

TEST_F(DeployTest, FailedMigrationIsRestoredAutomaticallyToThePreDeployState) {
  ScratchDatabase db("deployrestore");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  AddConflictingCost(db);
  auto before = db.TableChecksums();
  ProcessResult r = Deploy(db, {}, package_);
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("RESTORED AUTOMATICALLY"), std::string::npos) << r.out;
  EXPECT_EQ(Report("migrate").exit_code, 4);
  EXPECT_EQ(Report("restore").status, "ok");
  EXPECT_EQ(db.TableChecksums(), before);
  EXPECT_FALSE(Poco::File(work_ + "/reports/run1/import.json").exists());
}

TEST_F(DeployTest, FailedMigrationWithoutAutoRestoreLeavesADirtyDatabaseAndSaysHowToRestore) {
  ScratchDatabase db("deploynorestore");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  AddConflictingCost(db);
  ProcessResult r = Deploy(db, {"--no-auto-restore"}, package_);
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("bamort-restore --backup"), std::string::npos) << r.out;
  ProcessResult status = db.Job("status", {"--json"});
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_NE(status.out.find("\"state\": \"dirty\""), std::string::npos) << status.out;
}

// --native --backup-kind physical: the set is made by the mariadb-backup beside the server;
// deploy.sh cannot stop the server for a physical restore, so it insists on
// --no-auto-restore and, after a failed migration, prints the restore commands.
TEST_F(DeployTest, NativePhysicalBackupNeedsNoAutoRestoreAndSaysHowToRestore) {
  if (RunProcess({"/bin/sh", "-c", "command -v mariadb-backup"}).exit_code != 0) {
    GTEST_SKIP() << "mariadb-backup is not installed (scripts/install-deps.sh installs it)";
  }
  ScratchDatabase db("deployphys");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult refused = Deploy(db, {"--backup-kind", "physical"}, package_);
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("needs --no-auto-restore"), std::string::npos) << refused.err;
  EXPECT_EQ(db.TableChecksums(), before);

  ProcessResult r = Deploy(db, {"--backup-kind", "physical", "--no-auto-restore"}, package_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("backup kind: physical"), std::string::npos) << r.out;
  StepReport backup = Report("backup");
  EXPECT_EQ(backup.status, "ok");
  EXPECT_EQ(backup.details->optValue<std::string>("kind", ""), "physical");
  EXPECT_EQ(db.Job("status").exit_code, 0);

  ScratchDatabase failing("deployphysfail");
  failing.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  AddConflictingCost(failing);
  ProcessResult f = Deploy(failing, {"--backup-kind", "physical", "--no-auto-restore", "--run-id", "run2"}, package_);
  EXPECT_EQ(f.exit_code, 4) << f.out << f.err;
  EXPECT_NE(f.out.find("bamort-restore --physical --backup "), std::string::npos) << f.out;
}

// The legacy fixture of the real Bamort (../shared/fixtures) through the whole chain.
TEST_F(DeployTest, RealLegacyDatabaseEndsCompatibleWithEveryReportOk) {
  std::string fixture = testing::RealFixture("legacy-init00.sql");
  if (fixture.empty()) GTEST_SKIP() << "the real Bamort data (../shared/fixtures/legacy-init00.sql) is absent";
  ScratchDatabase db("deployreal");
  db.LoadSqlFile(fixture);
  int64_t chars = db.Count("SELECT COUNT(*) FROM char_chars");
  ProcessResult r = Deploy(db, {}, package_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* step : {"backup", "migrate", "import", "validate"}) EXPECT_EQ(Report(step).status, "ok") << step;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), chars);
  EXPECT_EQ(db.Job("status").exit_code, 0);
}

TEST_F(DeployTest, RealLegacyDatabaseIsRestoredWhenAMigrationFailsMidway) {
  std::string fixture = testing::RealFixture("legacy-init00.sql");
  if (fixture.empty()) GTEST_SKIP() << "the real Bamort data (../shared/fixtures/legacy-init00.sql) is absent";
  ScratchDatabase db("deployrealrestore");
  db.LoadSqlFile(fixture);
  AddConflictingCost(db);
  auto before = db.TableChecksums();
  ProcessResult r = Deploy(db, {}, package_);
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_EQ(Report("restore").status, "ok");
  EXPECT_EQ(db.TableChecksums(), before);
}

// scripts/deploy-{dev,staging,production}.sh: settings from <env dir>/<env>.env, a dry
// run before, bamort-status and the health endpoint after.
class DeployWrapperTest : public DeployTest {
 protected:
  // Writes <work>/env/<env>.env for db and returns the wrapper's environment.
  std::map<std::string, std::string> EnvFile(const std::string& env, const ScratchDatabase& db,
                                             const std::string& extra_lines = "") {
    DbConfig c = db.config();
    std::string text = "BAMORT_DB_HOST=" + c.host + "\nBAMORT_DB_PORT=" + std::to_string(c.port) +
                       "\nBAMORT_DB_NAME=" + c.name + "\nBAMORT_DB_USER=" + c.user +
                       "\nBAMORT_DB_PASSWORD_FILE=" + std::string(getenv("BAMORT_DB_PASSWORD_FILE")) +
                       "\nBAMORT_BACKUP_DIR=" + work_ + "/backups\nBAMORT_REPORTS_ROOT=" + work_ +
                       "/reports\nBAMORT_MIN_FREE_MB=1\n" + extra_lines;
    EXPECT_TRUE(MakeDirs(work_ + "/env").ok());
    EXPECT_TRUE(WriteFileAtomic(work_ + "/env/" + env + ".env", text).ok());
    // The wrapper must take the database from its env file, not from the test's environment.
    return {{"BAMORT_DEPLOY_ENV_DIR", work_ + "/env"}, {"BAMORT_DB_NAME", ""}, {"BAMORT_DB_HOST", ""},
            {"BAMORT_DB_PORT", ""}, {"BAMORT_DB_USER", ""}};
  }
  ProcessResult Wrapper(const std::string& env, const std::map<std::string, std::string>& vars,
                        const std::string& package) {
    return RunProcess({SourcePath("scripts/deploy-" + env + ".sh"), "--native", "--bin-dir",
                       std::string(BAMORT_BINARY_DIR), package},
                      vars);
  }
  // Folders under <work>/reports whose name ends with suffix.
  int RunFolders(const std::string& suffix) {
    std::vector<std::string> names;
    if (Poco::File(work_ + "/reports").exists()) Poco::File(work_ + "/reports").list(names);
    int n = 0;
    for (const auto& name : names) {
      if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) ++n;
    }
    return n;
  }
};

TEST_F(DeployWrapperTest, StagingDeploysAfterADryRunAndChecksStatusAndHealthAfter) {
  ScratchDatabase db("wrapstaging");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  testing::BackgroundProcess health({testing::BinaryPath("health"), "--listen", "127.0.0.1:0", "--refresh", "1"},
                                    {{"BAMORT_DB_NAME", db.name()}});
  std::string port = health.WaitForLine("listening on http://127.0.0.1:");
  ASSERT_FALSE(port.empty()) << health.err();
  auto vars = EnvFile("staging", db, "BAMORT_HEALTH_URL=http://127.0.0.1:" + port + "/api/system/health\n");
  ProcessResult r = Wrapper("staging", vars, package_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("pre-check"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DEPLOYED: database at version 0.5.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("STATUS: the database is compatible"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("health: ok"), std::string::npos) << r.out;
  EXPECT_EQ(RunFolders("-precheck"), 1);
  EXPECT_EQ(RunFolders("-postcheck"), 1);
  EXPECT_EQ(db.Job("status").exit_code, 0);
  EXPECT_EQ(health.Stop(), 0);
}

TEST_F(DeployWrapperTest, FailedPreChecksTouchNothing) {
  ScratchDatabase db("wrapbad");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();

  // No settings file for the environment.
  ProcessResult no_env = Wrapper("production", {{"BAMORT_DEPLOY_ENV_DIR", work_ + "/nowhere"}}, package_);
  EXPECT_EQ(no_env.exit_code, 2);
  EXPECT_NE(no_env.err.find("production.env is missing"), std::string::npos) << no_env.err;

  // Not enough free space for the backup.
  auto vars = EnvFile("dev", db, "BAMORT_MIN_FREE_MB=999999999\n");
  ProcessResult full = Wrapper("dev", vars, package_);
  EXPECT_EQ(full.exit_code, 2);
  EXPECT_NE(full.err.find("MB free"), std::string::npos) << full.err;

  // The package is not readable.
  ProcessResult no_package = Wrapper("dev", EnvFile("dev", db), work_ + "/missing.tar.gz");
  EXPECT_EQ(no_package.exit_code, 2);
  EXPECT_NE(no_package.err.find("not readable"), std::string::npos) << no_package.err;

  // The database is not reachable: the dry run fails, the deploy never starts.
  auto unreachable = EnvFile("dev", db, "BAMORT_DB_PORT=1\n");
  ProcessResult down = Wrapper("dev", unreachable, package_);
  EXPECT_EQ(down.exit_code, 2) << down.out << down.err;
  EXPECT_NE(down.err.find("the dry run failed"), std::string::npos) << down.err;
  EXPECT_EQ(RunFolders("-postcheck"), 0);

  EXPECT_EQ(db.TableChecksums(), before);
}

}  // namespace
}  // namespace bamort
