#include "cli/job_cli.h"

#include "build_info.h"
#include "migrate/migration_source.h"

#include <gtest/gtest.h>

#include <functional>
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

TEST(JobCli, TypedFlagsReadThroughTheirHandles) {
  JobCli cli("test", "a test job", "");
  TextFlag out = cli.AddText("out", "DIR", "where");
  IntFlag steps = cli.AddInt("steps", "N", "how many (default 1)", 1, 1, 10);
  IntFlag keep = cli.AddInt("keep", "N", "how many to keep (default 3)", 3, 0, 5);
  SwitchFlag list = cli.AddSwitch("list", "list");
  SwitchFlag json = cli.AddSwitch("json", "as JSON");
  int exit_code = -1;
  ASSERT_TRUE(ParseArgs(&cli, {"--out=/tmp/x", "--steps", "4", "--list"}, &exit_code));
  EXPECT_EQ(out.value(), std::optional<std::string>("/tmp/x"));
  EXPECT_EQ(out.name(), "out");
  int64_t n = 0;
  ASSERT_TRUE(steps.Read(&n).ok());
  EXPECT_EQ(n, 4);
  int k = 0;
  ASSERT_TRUE(keep.Read(&k).ok());
  EXPECT_EQ(k, 3) << "not given: the declared default";
  EXPECT_TRUE(list.on());
  EXPECT_FALSE(json.on());

  // A flag the job does not have: not given; an int has no default to read.
  TextFlag none;
  EXPECT_FALSE(none.given());
  EXPECT_FALSE(none.declared());
  EXPECT_EQ(none.value_or("fallback"), "fallback");
  EXPECT_EQ(none.name(), "");
  EXPECT_FALSE(SwitchFlag().on());
  int undeclared = 0;
  EXPECT_THROW((void)IntFlag().Read(&undeclared), std::logic_error);
}

TEST(JobCli, AnIntOutsideItsDeclaredRangeIsBadInputNamingTheFlag) {
  JobCli cli("test", "a test job", "");
  IntFlag steps = cli.AddInt("steps", "N", "how many", 1, 1, 10);
  int exit_code = -1;
  ASSERT_TRUE(ParseArgs(&cli, {"--steps", "11"}, &exit_code));
  int64_t n = 0;
  Status s = steps.Read(&n);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.message(), "--steps: expected a whole number from 1 to 10, got '11'");
}

TEST(JobCli, BadDeclarationsFailAtStartUp) {
  auto message = [](const std::function<void(JobCli*)>& declare) {
    JobCli cli("test", "a test job", "");
    try {
      declare(&cli);
    } catch (const std::logic_error& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_EQ(message([](JobCli* c) { (void)c->AddSwitch("list", "a"), (void)c->AddText("list", "X", "b"); }),
            "bamort-test declares --list twice");
  EXPECT_EQ(message([](JobCli* c) { (void)c->AddText("env-file", "F", "a common flag again"); }),
            "bamort-test declares --env-file twice");
  EXPECT_EQ(message([](JobCli* c) { (void)c->AddSwitch("Dry_Run", "x"); }),
            "bamort-test declares --Dry_Run: a flag name is lower-case words joined by '-'");
  EXPECT_EQ(message([](JobCli* c) { (void)c->AddSwitch("quiet", ""); }),
            "bamort-test declares --quiet without a help text");
  EXPECT_NE(message([](JobCli* c) { (void)c->AddInt("steps", "N", "x", 0, 1, 10); }).find("default 0 outside its range"),
            std::string::npos);
  JobCli cli("test", "a test job", "");
  int exit_code = -1;
  ASSERT_TRUE(ParseArgs(&cli, {}, &exit_code));
  EXPECT_THROW((void)cli.AddSwitch("late", "declared after Parse"), std::logic_error);
}

// --version's required DB version comes from CMake (the last migration's version line), so
// lib/cli needs no migration engine; it is the engine's own answer.
TEST(JobCli, TheRequiredDbVersionOfTheBuildIsTheMigrationEnginesOne) {
  EXPECT_EQ(std::string(kRequiredDbVersion), RequiredDbVersion().ToString());
  EXPECT_NE(VersionText("bamort-x").find(std::string("\nrequired DB version: ") + kRequiredDbVersion + "\n"),
            std::string::npos);
}

}  // namespace bamort
