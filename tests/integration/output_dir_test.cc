// The folders a job writes into (issue 19 item 9): bamort-backup's --out-dir naming a
// regular file is bad input (exit 2, naming the path, nothing written), and a --out-dir or
// report folder any local user may write to (o+w without the sticky bit) gives a warning in
// the log and report.warnings, not a refusal.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <Poco/File.h>

#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ScratchDatabase;

std::string Scratch(const std::string& tag) {
  return ::testing::TempDir() + "/outdir-" + std::to_string(getpid()) + "-" + tag;
}

TEST(OutputDir, BackupOutDirThatIsARegularFileIsBadInputNamingThePath) {
  ScratchDatabase db("outdir_file");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  const std::string file = Scratch("a-file");
  std::ofstream(file) << "not a folder\n";
  ProcessResult r = db.Job("backup", {"--out-dir", file});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a folder"), std::string::npos) << r.err;
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "not a folder\n");
  // A folder under that file: the same, exit 2.
  ProcessResult under = db.Job("backup", {"--out-dir", file + "/sets"});
  EXPECT_EQ(under.exit_code, 2) << under.err;
  EXPECT_NE(under.err.find(file + "/sets"), std::string::npos) << under.err;
  ::unlink(file.c_str());
}

TEST(OutputDir, WorldWritableOutDirAndReportFolderGiveWarningsNotRefusals) {
  ScratchDatabase db("outdir_open");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  const std::string dir = Scratch("open");
  Poco::File(dir + "/sets").createDirectories();
  Poco::File(dir + "/reports").createDirectories();
  ASSERT_EQ(::chmod((dir + "/sets").c_str(), 0777), 0);
  ASSERT_EQ(::chmod((dir + "/reports").c_str(), 0777), 0);
  const std::string report_path = dir + "/reports/backup.json";
  ProcessResult r = db.Job("backup", {"--out-dir", dir + "/sets", "--report", report_path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  StepReport report;
  ASSERT_TRUE(ReadReport(report_path, &report).ok());
  EXPECT_EQ(report.status, "warning");
  int out_dir_warnings = 0, report_warnings = 0;
  for (const std::string& w : report.warnings) {
    if (w.find("--out-dir " + dir + "/sets is writable by every local user") != std::string::npos) ++out_dir_warnings;
    if (w.find("report folder " + dir + "/reports is writable by every local user") != std::string::npos) {
      ++report_warnings;
    }
  }
  EXPECT_EQ(out_dir_warnings, 1) << report.ToJsonText();
  EXPECT_EQ(report_warnings, 1) << report.ToJsonText();
  EXPECT_NE(r.err.find("writable by every local user"), std::string::npos) << r.err;

  // With the sticky bit (like /tmp) nobody else can remove or replace the files: no warning.
  ASSERT_EQ(::chmod((dir + "/sets").c_str(), 01777), 0);
  ASSERT_EQ(::chmod((dir + "/reports").c_str(), 0755), 0);
  ProcessResult sticky = db.Job("backup", {"--out-dir", dir + "/sets", "--report", report_path});
  EXPECT_EQ(sticky.exit_code, 0) << sticky.err;
  ASSERT_TRUE(ReadReport(report_path, &report).ok());
  for (const std::string& w : report.warnings) EXPECT_EQ(w.find("writable by every local user"), std::string::npos) << w;
  EXPECT_EQ(sticky.err.find("writable by every local user"), std::string::npos) << sticky.err;
  Poco::File(dir).remove(true);
}

}  // namespace
}  // namespace bamort
