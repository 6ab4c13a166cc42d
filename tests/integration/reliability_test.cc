// The reliability suite (docs/RELIABILITY.md).
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include "common/file_io.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::RunProcess;
using testing::ScratchDatabase;
using testing::SourcePath;

std::string Work(const std::string& tag) {
  std::string dir = ::testing::TempDir() + "/reliability-" + std::to_string(getpid()) + "-" + tag;
  if (Poco::File(dir).exists()) Poco::File(dir).remove(true);
  EXPECT_TRUE(MakeDirs(dir).ok());
  return dir;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  if (!Poco::File(dir).exists()) return out;
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) out.push_back(it.name());
  return out;
}

Poco::JSON::Object::Ptr ParseObject(const std::string& text) {
  try {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a JSON object (" << e.what() << "): " << text.substr(0, 500);
    return new Poco::JSON::Object();
  }
}

// Regression: when recording the progress after a committed statement failed (the server
// went away right after the commit, or the history table is gone), the engine indexed the
// statement list with -1 while recording the failure. It must report the error, exit 4.
TEST(Reliability, FailureToRecordProgressIsReportedAsDirtyNotACrash) {
  ScratchDatabase db("progressfail");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string dir = Work("progressfail-migrations");
  for (const std::string& name : DirEntries(SourcePath("migrations"))) {
    Poco::File(SourcePath("migrations/" + name)).copyTo(dir + "/" + name);
  }
  ASSERT_TRUE(WriteFileAtomic(dir + "/0013_test_history_moved.sql",
                              "-- version: 0.6.0\n-- description: moves the history table away\n-- +up\n"
                              "RENAME TABLE migration_history TO history_moved;\nDO 0;\n-- +down\nDO 0;\n")
                  .ok());
  ProcessResult r = db.Job("migrate", {"--migrations-dir", dir});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("migration_history"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------
// 2. kill -9 of migrate inside deploy.sh: the automatic restore must happen.

TEST(Reliability, DeployRestoresAutomaticallyWhenMigrateIsKilled) {
  std::string work = Work("deploykill");
  std::string package = work + "/package.tar.gz";
  ProcessResult p = RunProcess({testing::BinaryPath("prepare"), "--out", package, "--from", SourcePath("masterdata")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  ScratchDatabase db("deploykill");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult r = RunProcess({SourcePath("docker/deploy.sh"), "--native", "--bin-dir", std::string(BAMORT_BINARY_DIR),
                                "--reports-root", work + "/reports", "--backup-dir", work + "/backups", "--run-id",
                                "run1", package},
                               {{"BAMORT_DB_NAME", db.name()}, {"BAMORT_TEST_KILL_AFTER_STATEMENTS", "100"}});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("RESTORED AUTOMATICALLY"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
  Poco::JSON::Object::Ptr st = ParseObject(db.Job("status", {"--json"}).out);
  EXPECT_TRUE(st->isNull("dirty")) << "the restore brings back the pre-deploy state, without a dirty record";
}

}  // namespace
}  // namespace bamort
