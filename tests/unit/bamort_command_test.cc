#include "cli/bamort_command.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

namespace bamort {

namespace {
using Kind = BamortRequest::Kind;

BamortRequest Resolve(std::vector<std::string> args) { return ResolveBamortRequest(args); }

std::string MakeProgram(const std::string& dir, const std::string& name) {
  ::mkdir(dir.c_str(), 0755);
  std::string path = dir + "/" + name;
  { std::ofstream(path) << "#!/bin/sh\n"; }
  ::chmod(path.c_str(), 0755);
  return path;
}
}  // namespace

TEST(BamortCommand, RunsTheNamedJobWithItsArguments) {
  BamortRequest r = Resolve({"rollback", "--steps", "2"});
  EXPECT_EQ(r.kind, Kind::kRunJob);
  EXPECT_EQ(r.job, "rollback");
  EXPECT_EQ(r.args, std::vector<std::string>({"--steps", "2"}));
  r = Resolve({"restore", "--backup", "/backups/x"});
  EXPECT_EQ(r.job, "restore");
  EXPECT_EQ(r.args, std::vector<std::string>({"--backup", "/backups/x"}));
  r = Resolve({"status"});
  EXPECT_EQ(r.kind, Kind::kRunJob);
  EXPECT_TRUE(r.args.empty());
}

TEST(BamortCommand, BackupListIsTheListSwitch) {
  BamortRequest r = Resolve({"backup", "list", "--json"});
  EXPECT_EQ(r.job, "backup");
  EXPECT_EQ(r.args, std::vector<std::string>({"--list", "--json"}));
  // Only as the first word: a value of another flag stays as it is.
  r = Resolve({"backup", "--out-dir", "list"});
  EXPECT_EQ(r.args, std::vector<std::string>({"--out-dir", "list"}));
}

TEST(BamortCommand, HistoryIsTheStatusHistory) {
  BamortRequest r = Resolve({"history", "--json"});
  EXPECT_EQ(r.kind, Kind::kRunJob);
  EXPECT_EQ(r.job, "status");
  EXPECT_EQ(r.args, std::vector<std::string>({"--history", "--json"}));
}

TEST(BamortCommand, HelpVersionAndUnknownJobs) {
  EXPECT_EQ(Resolve({}).kind, Kind::kNoJob);
  EXPECT_EQ(Resolve({"help"}).kind, Kind::kHelp);
  EXPECT_EQ(Resolve({"--help"}).kind, Kind::kHelp);
  EXPECT_EQ(Resolve({"--version"}).kind, Kind::kVersion);
  BamortRequest r = Resolve({"help", "migrate"});
  EXPECT_EQ(r.kind, Kind::kRunJob);
  EXPECT_EQ(r.args, std::vector<std::string>({"--help"}));
  EXPECT_EQ(Resolve({"help", "nosuchjob"}).kind, Kind::kUnknownJob);
  r = Resolve({"nosuchjob", "--x"});
  EXPECT_EQ(r.kind, Kind::kUnknownJob);
  EXPECT_EQ(r.job, "nosuchjob");
  // Only listed jobs run: no path or other program can be reached through bamort.
  EXPECT_EQ(Resolve({"../../bin/sh"}).kind, Kind::kUnknownJob);
  EXPECT_EQ(Resolve({"bamort-status"}).job, "status");
}

TEST(BamortCommand, HelpListsEveryJobOnItsOwnLine) {
  std::string help = BamortHelpText();
  for (const JobEntry& j : KnownJobs()) {
    EXPECT_NE(help.find("\n  " + j.name + " "), std::string::npos) << j.name;
  }
}

TEST(BamortCommand, FindsTheJobNextToItselfBeforePath) {
  std::string base = ::testing::TempDir() + "/bamort_command_test";
  ::mkdir(base.c_str(), 0755);
  std::string self = MakeProgram(base + "/self", "bamort-status");
  std::string on_path = MakeProgram(base + "/path", "bamort-status");
  MakeProgram(base + "/path", "bamort-migrate");
  EXPECT_EQ(FindJobProgram("status", base + "/self", "/nonexistent::" + base + "/path"), self);
  EXPECT_EQ(FindJobProgram("migrate", base + "/self", "/nonexistent::" + base + "/path"), base + "/path/bamort-migrate");
  EXPECT_EQ(FindJobProgram("validate", base + "/self", base + "/path"), "");
}

}  // namespace bamort
