// The reliability suite (docs/RELIABILITY.md).
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>

#include "common/file_io.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
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

}  // namespace
}  // namespace bamort
