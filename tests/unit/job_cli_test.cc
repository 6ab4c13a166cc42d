#include "cli/job_cli.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace bamort {

namespace {
bool ParseArgs(JobCli* cli, std::vector<std::string> args, int* exit_code) {
  args.insert(args.begin(), "bamort-test");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return cli->Parse(static_cast<int>(argv.size()), argv.data(), exit_code);
}
}  // namespace

TEST(JobCli, ReadingAnUndeclaredFlagThrowsNamingIt) {
  JobCli cli("test", "a test job", "");
  cli.Flag("steps", "N", "how many");
  int exit_code = -1;
  ASSERT_TRUE(ParseArgs(&cli, {"--steps", "2"}, &exit_code));
  EXPECT_EQ(cli.GetOr("steps", ""), "2");
  try {
    cli.Get("stepz");
    FAIL() << "no exception";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("bamort-test reads the flag --stepz"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cli.Has("previous"), std::logic_error);
  int64_t n = 0;
  EXPECT_THROW(cli.GetInt("lock-timeout", 60, 0, 100, &n).ok(), std::logic_error);
  EXPECT_TRUE(cli.Declares("env-file"));  // every job
  EXPECT_FALSE(cli.Declares("stepz"));
}

TEST(JobCli, GenericReadsWorkForJobsWithoutDatabaseOrDryRun) {
  JobCli cli("test", "a test job", "");
  int exit_code = -1;
  ASSERT_TRUE(ParseArgs(&cli, {}, &exit_code));
  EXPECT_FALSE(cli.dry_run());
  DbFlags f = cli.db_flags();
  EXPECT_FALSE(f.host || f.port || f.name || f.user || f.password_file);
}

TEST(JobCli, UnknownFlagAndPasswordFlagAreExit2) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--nope"}, {"--db-password", "x"}, {"--env-file"}}) {
    JobCli cli("test", "a test job", "");
    cli.WithDatabase();
    int exit_code = -1;
    EXPECT_FALSE(ParseArgs(&cli, args, &exit_code)) << args[0];
    EXPECT_EQ(exit_code, 2) << args[0];
  }
}

}  // namespace bamort
