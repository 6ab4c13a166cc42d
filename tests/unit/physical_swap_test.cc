// The renames of the physical backup and restore through the Env (common/env.h): the
// restore's data-directory swap, which must leave the data directory where the server
// finds it when the copy cannot take its place, and the backup's last rename, which must
// leave the .partial folder and name it. An EnvWrapper makes chosen renames fail, which
// the real filesystem does not do on request. No database.
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "backup/physical_backup.h"
#include "backup/physical_restore.h"
#include "common/env.h"
#include "common/file_io.h"
#include "temp_dir.h"

namespace bamort {
namespace {

// The real system, except that a rename whose source is in fail_from fails; records
// every rename asked for, failed or not.
class RenameFailingEnv : public EnvWrapper {
 public:
  RenameFailingEnv() : EnvWrapper(Env::Default()) {}

  Status Rename(const std::string& from, const std::string& to) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      renames.emplace_back(from, to);
    }
    if (fail_from.count(from)) return Status::Failed("cannot rename " + from + " to " + to + ": Permission denied");
    return target()->Rename(from, to);
  }

  std::set<std::string> fail_from;
  std::vector<std::pair<std::string, std::string>> renames;

 private:
  std::mutex mu_;
};

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::string Read(const std::string& path) {
  std::string text;
  EXPECT_TRUE(ReadFileToString(path, &text).ok()) << path;
  return text;
}

// A data directory and a prepared copy beside it, each with a file telling them apart.
struct SwapFolders {
  TempDir tmp{"swap"};
  std::string datadir = tmp.path() + "/mysql";
  std::string old_datadir = datadir + ".before-restore-20261201T000000Z";
  std::string work_dir = tmp.path() + "/.mysql.restore-20261201T000000Z";

  SwapFolders() {
    EXPECT_EQ(::mkdir(datadir.c_str(), 0700), 0);
    EXPECT_EQ(::mkdir(work_dir.c_str(), 0700), 0);
    EXPECT_TRUE(WriteFileAtomic(datadir + "/ibdata1", "old", 0600).ok());
    EXPECT_TRUE(WriteFileAtomic(work_dir + "/ibdata1", "restored", 0600).ok());
  }
};

TEST(SwapDataDir, PutsTheCopyInPlaceAndKeepsTheOldDirectoryAside) {
  SwapFolders f;
  RenameFailingEnv env;
  ASSERT_TRUE(SwapDataDir(f.datadir, f.old_datadir, f.work_dir, &env).ok());
  EXPECT_EQ(Read(f.datadir + "/ibdata1"), "restored");
  EXPECT_EQ(Read(f.old_datadir + "/ibdata1"), "old");
  EXPECT_FALSE(Exists(f.work_dir));
}

TEST(SwapDataDir, WhenTheCopyCannotTakeItsPlaceTheDataDirectoryIsMovedBack) {
  SwapFolders f;
  RenameFailingEnv env;
  env.fail_from = {f.work_dir};
  Status s = SwapDataDir(f.datadir, f.old_datadir, f.work_dir, &env);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailed);
  EXPECT_NE(s.message().find("cannot move the restored copy into place"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(f.work_dir), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(f.datadir), std::string::npos) << s.message();
  // Aside, the failed rename, and back: the server finds its own data directory.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {f.datadir, f.old_datadir}, {f.work_dir, f.datadir}, {f.old_datadir, f.datadir}};
  EXPECT_EQ(env.renames, expected);
  EXPECT_EQ(Read(f.datadir + "/ibdata1"), "old");
  EXPECT_FALSE(Exists(f.old_datadir));
  EXPECT_EQ(Read(f.work_dir + "/ibdata1"), "restored");
}

TEST(SwapDataDir, WhenTheMoveBackFailsTooTheHintSaysWhereTheDataDirectoryIs) {
  SwapFolders f;
  RenameFailingEnv env;
  env.fail_from = {f.work_dir, f.old_datadir};
  Status s = SwapDataDir(f.datadir, f.old_datadir, f.work_dir, &env);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(f.work_dir), std::string::npos) << s.message();
  EXPECT_NE(s.hint().find("mv " + f.old_datadir + " " + f.datadir), std::string::npos) << s.hint();
  EXPECT_EQ(Read(f.old_datadir + "/ibdata1"), "old");
}

TEST(SwapDataDir, WhenTheDataDirectoryCannotMoveAsideNothingElseIsTried) {
  SwapFolders f;
  RenameFailingEnv env;
  env.fail_from = {f.datadir};
  Status s = SwapDataDir(f.datadir, f.old_datadir, f.work_dir, &env);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot move " + f.datadir + " aside"), std::string::npos) << s.message();
  EXPECT_NE(s.hint().find("mount point"), std::string::npos) << s.hint();
  EXPECT_EQ(env.renames.size(), 1u);
  EXPECT_EQ(Read(f.datadir + "/ibdata1"), "old");
  EXPECT_EQ(Read(f.work_dir + "/ibdata1"), "restored");
}

TEST(CompletePhysicalSet, RenamesThePartialFolderWithItsManifest) {
  TempDir tmp("complete");
  const std::string partial = tmp.path() + "/.bamort_20261201T000000Z.partial";
  const std::string set_dir = tmp.path() + "/bamort_20261201T000000Z";
  ASSERT_EQ(::mkdir(partial.c_str(), 0700), 0);
  RenameFailingEnv env;
  ASSERT_TRUE(CompletePhysicalSet(partial, set_dir, "{}", &env).ok());
  EXPECT_EQ(Read(set_dir + "/manifest.json"), "{}");
  EXPECT_FALSE(Exists(partial));
}

TEST(CompletePhysicalSet, AFailedRenameLeavesThePartialFolderAndNamesIt) {
  TempDir tmp("complete");
  const std::string partial = tmp.path() + "/.bamort_20261201T000000Z.partial";
  const std::string set_dir = tmp.path() + "/bamort_20261201T000000Z";
  ASSERT_EQ(::mkdir(partial.c_str(), 0700), 0);
  ASSERT_TRUE(WriteFileAtomic(partial + "/physical.mbstream.gz", "stream", 0600).ok());
  RenameFailingEnv env;
  env.fail_from = {partial};
  Status s = CompletePhysicalSet(partial, set_dir, "{}", &env);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailed);
  EXPECT_NE(s.message().find(partial), std::string::npos) << s.message();
  EXPECT_EQ(Read(partial + "/physical.mbstream.gz"), "stream");
  EXPECT_EQ(Read(partial + "/manifest.json"), "{}");
  EXPECT_FALSE(Exists(set_dir));
}

TEST(RemoveTree, RemovesNestedFoldersButNotWhatASymlinkPointsTo) {
  TempDir tmp("tree");
  const std::string outside = tmp.path() + "/outside";
  const std::string tree = tmp.path() + "/tree";
  ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
  ASSERT_TRUE(WriteFileAtomic(outside + "/keep", "keep", 0600).ok());
  ASSERT_EQ(::mkdir(tree.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((tree + "/a").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((tree + "/a/b").c_str(), 0700), 0);
  ASSERT_TRUE(WriteFileAtomic(tree + "/a/b/file", "x", 0600).ok());
  ASSERT_EQ(::symlink(outside.c_str(), (tree + "/a/link").c_str()), 0);
  ASSERT_TRUE(RemoveTree(tree).ok());
  EXPECT_FALSE(Exists(tree));
  EXPECT_EQ(Read(outside + "/keep"), "keep");
  EXPECT_TRUE(RemoveTree(tree).ok()) << "a folder already gone is not an error";
}

}  // namespace
}  // namespace bamort
