// CheckSetFiles: every file of a set is hashed (two at a time) and every problem is
// reported, in the manifest's order, whichever thread found it.
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backup/manifest.h"
#include "common/file_io.h"
#include "common/sha256.h"
#include "temp_dir.h"

namespace bamort {
namespace {

class ManifestCheckTest : public ::testing::Test {
 protected:
  // Writes name with content and adds it to the manifest as it is.
  ManifestFile* Add(const std::string& name, const std::string& content) {
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/" + name, content, 0600).ok());
    ManifestFile f;
    f.name = name;
    f.role = "sql-dump";
    f.size = content.size();
    Sha256 h;
    h.Update(content.data(), content.size());
    f.sha256 = h.HexDigest();
    manifest_.files.push_back(f);
    return &manifest_.files.back();
  }

  TempDir temp_{"manifest-check"};
  const std::string dir_ = temp_.path();
  Manifest manifest_;
};

TEST_F(ManifestCheckTest, IntactFilesAreEqual) {
  Add("a.gz", std::string(3 << 20, 'a'));
  Add("b.gz", "bbb");
  Add("c.gz", "");
  std::vector<std::string> problems;
  EXPECT_TRUE(CheckSetFiles(dir_, manifest_, &problems).ok());
  EXPECT_TRUE(problems.empty());
}

TEST_F(ManifestCheckTest, EveryDamagedFileIsNamedInManifestOrder) {
  manifest_.files.reserve(5);
  Add("1-ok.gz", "fine");
  Add("2-flipped.gz", "original text");
  Add("3-truncated.gz", "long enough text");
  Add("4-missing.gz", "x");
  Add("5-ok.gz", std::string(2 << 20, 'z'));
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/2-flipped.gz", "original tExt", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/3-truncated.gz", "long", 0600).ok());
  std::system(("rm '" + dir_ + "/4-missing.gz'").c_str());

  std::vector<std::string> problems;
  Status s = CheckSetFiles(dir_, manifest_, &problems);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].rfind("2-flipped.gz: sha256 ", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("(corrupt)"), std::string::npos) << problems[0];
  EXPECT_EQ(problems[1].rfind("3-truncated.gz: 4 bytes, the manifest says 16", 0), 0u) << problems[1];
  EXPECT_EQ(problems[2].rfind("4-missing.gz: ", 0), 0u) << problems[2];
  EXPECT_NE(s.message().find("2-flipped.gz"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace bamort
