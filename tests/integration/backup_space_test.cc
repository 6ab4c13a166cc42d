// A backup that would not fit is refused before it writes anything, in the dry run as
// in the real run: a small tmpfs stands in for a full disk (needs root; skipped without).
#include <sys/mount.h>
#include <unistd.h>

#include <Poco/File.h>

#include <vector>

#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;

bool EmptyOrMissing(const std::string& dir) {
  if (!Poco::File(dir).exists()) return true;
  std::vector<std::string> names;
  Poco::File(dir).list(names);
  return names.empty();
}

class SmallDisk {
 public:
  SmallDisk() {
    dir_ = ::testing::TempDir() + "/small-disk-" + std::to_string(getpid());
    Poco::File(dir_).createDirectories();
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount(dir_.c_str());
    Poco::File(dir_).remove(true);
  }
  bool mounted() const { return mounted_; }
  const std::string& dir() const { return dir_; }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    Poco::File(dir_).list(names);
    return names;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(BackupSpace, ASetThatWouldNotFitIsRefusedBeforeAnythingIsWrittenAlsoInTheDryRun) {
  SmallDisk disk;
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  ScratchDatabase db("space");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::string out = disk.dir() + "/backups";
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--dry-run"}, std::vector<std::string>{}}) {
    std::vector<std::string> args = {"--verify", "--out-dir", out};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = db.Job("backup", args);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("not enough free space"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(out), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the backup set"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(EmptyOrMissing(out)) << "nothing written";
}

TEST(BackupSpace, APrivateVerifyCopyThatWouldNotFitIsRefusedBeforeTheDump) {
  SmallDisk disk;
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  ScratchDatabase db("space_verify");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::string out = ::testing::TempDir() + "/space-sets-" + std::to_string(getpid());
  ProcessResult r = db.Job("backup", {"--verify", "--out-dir", out, "--verify-tmpdir", disk.dir()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("the private verify server"), std::string::npos) << r.err;
  EXPECT_TRUE(disk.Entries().empty());
  EXPECT_TRUE(EmptyOrMissing(out)) << "no set, no .partial";
}

}  // namespace
}  // namespace bamort
