// The init engine (lib/init/init.h) called in-process: its InitResult says how far the
// workflow got, on success, on a refusal and in the dry run.
#include <gtest/gtest.h>

#include "db/named_lock.h"
#include "init/init.h"
#include "test_support.h"
#include "migrate/migration_source.h"

namespace bamort {
namespace {

using namespace testing;

InitOptions Options() {
  InitOptions o;
  o.admin.password = "Long-Enough-Pw";
  o.no_masterdata = true;
  EXPECT_TRUE(EmbeddedMigrationSource()->Load(&o.migrations).ok());
  o.lock_timeout_seconds = 5;
  o.applied_by = "init_engine_test";
  o.run_id = "init-engine-test";
  return o;
}

TEST(InitEngine, ResultSaysWhatWasCreated) {
  ScratchDatabase db("initeng");
  InitOptions options = Options();
  options.no_masterdata = false;
  options.masterdata = SourcePath("tests/fixtures/export-v1-small");
  InitDeps deps;
  deps.config = db.config();
  std::vector<std::string> warnings;
  deps.warn = [&](const std::string& w) { warnings.push_back(w); };
  InitResult r;
  Status s = RunInitialisation(options, deps, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(r.finished);
  EXPECT_TRUE(r.lock_taken);
  EXPECT_FALSE(r.started_over);
  EXPECT_EQ(r.masterdata_source.kind, "given");
  EXPECT_EQ(r.migrations_applied, options.migrations.size());
  EXPECT_EQ(r.migration_number_after, options.migrations.back().number);
  EXPECT_EQ(r.version_after.value_or(""), options.migrations.back().version.ToString());
  EXPECT_EQ(static_cast<int64_t>(r.tables_created.size()),
            db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"));
  EXPECT_TRUE(r.import_attempted);
  EXPECT_GT(r.imported.TotalInFile(), 0u);
  EXPECT_TRUE(r.admin_created);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM users WHERE username = 'admin'"), 1);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = 'bamort_operation_in_progress'"),
            0);

  // Again on the now full database: refused before the lock, nothing changed.
  auto before = db.TableChecksums();
  InitResult again;
  Status refused = RunInitialisation(Options(), deps, &again);
  EXPECT_EQ(refused.code(), StatusCode::kPrecondition) << refused.ToString();
  EXPECT_FALSE(again.target.empty());
  EXPECT_FALSE(again.lock_taken);
  EXPECT_FALSE(again.migrations_attempted);
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(InitEngine, DryRunAndBadAdminChangeNothing) {
  ScratchDatabase db("initengdry");
  InitDeps deps;
  deps.config = db.config();
  InitOptions options = Options();
  options.dry_run = true;
  InitResult dry;
  ASSERT_TRUE(RunInitialisation(options, deps, &dry).ok());
  EXPECT_TRUE(dry.masterdata_chosen);
  EXPECT_EQ(dry.masterdata_source.kind, "none");
  EXPECT_FALSE(dry.target.empty());
  EXPECT_FALSE(dry.lock_taken);
  EXPECT_FALSE(dry.migrations_attempted);

  InitOptions short_pw = Options();
  short_pw.admin.password = "short";
  InitResult bad;
  Status s = RunInitialisation(short_pw, deps, &bad);
  EXPECT_EQ(s.code(), StatusCode::kBadInput) << s.ToString();
  EXPECT_NE(s.message().find("at least 8"), std::string::npos) << s.ToString();
  EXPECT_FALSE(bad.masterdata_chosen);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 0);
}

TEST(InitEngine, NoMasterDataIsAWarningForTheReport) {
  ScratchDatabase db("initengnomd");
  InitDeps deps;
  deps.config = db.config();
  std::vector<std::string> warnings;
  deps.warn = [&](const std::string& w) { warnings.push_back(w); };
  InitResult r;
  Status s = RunInitialisation(Options(), deps, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(r.import_attempted);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("--no-masterdata"), std::string::npos);
  EXPECT_GT(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 0);
}

// Init holds the deployment lock for its whole workflow and its Migrator runs on a driver
// built on that lock: the server's general log shows one GET_LOCK of the lock, not one
// from init and another from the Migrator on the same connection (MariaDB would grant
// that silently, GET_LOCK being re-entrant).
TEST(InitEngine, TakesTheDeploymentLockOnce) {
  ScratchDatabase db("initenglock");
  std::unique_ptr<Connection> root;
  ASSERT_TRUE(Connection::Open(ServerConfig(), &root, /*use_database=*/false).ok());
  Value was_on, since;
  ASSERT_TRUE(root->QueryValue("SELECT @@GLOBAL.general_log", &was_on).ok());
  ASSERT_TRUE(root->QueryValue("SELECT NOW(6)", &since).ok());
  Status on = root->Execute("SET GLOBAL log_output = 'TABLE', general_log = 1");
  if (!on.ok()) GTEST_SKIP() << "the test login cannot switch the general log on: " << on.ToString();
  InitDeps deps;
  deps.config = db.config();
  InitResult r;
  Status s = RunInitialisation(Options(), deps, &r);
  if (was_on.value_or("0") == "0") {
    EXPECT_TRUE(root->Execute("SET GLOBAL general_log = 0").ok());
  }
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_GT(r.migrations_applied, 0u);
  const std::string lock = NamedLock::NameFor(db.name());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM mysql.general_log WHERE event_time >= " + root->Quote(*since) +
                     " AND command_type = 'Query' AND argument LIKE 'SELECT GET_LOCK(%' AND LOCATE(" +
                     root->Quote(root->Quote(lock)) + ", argument) > 0"),
            1);
}

}  // namespace
}  // namespace bamort
