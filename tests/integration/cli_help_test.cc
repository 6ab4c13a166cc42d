// Every installed job as an operator first meets it: --help, --version, a wrong flag, the
// `bamort` front door, and --env-file with upstream's .env shape against the test server.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "build_info.h"
#include "cli/bamort_command.h"
#include "integration/test_support.h"

namespace bamort {
namespace {

using testing::BinaryPath;
using testing::ProcessResult;
using testing::RunProcess;

std::string FrontDoor() { return std::string(BAMORT_BINARY_DIR) + "/bamort"; }

std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/cli_help_test_" + name;
  std::ofstream(path, std::ios::trunc) << content;
  return path;
}

// The variables of the test server are removed, so only what a test passes counts.
std::map<std::string, std::string> WithoutServerSettings(std::map<std::string, std::string> env = {}) {
  for (const char* k : {"BAMORT_DB_HOST", "BAMORT_DB_PORT", "BAMORT_DB_NAME", "BAMORT_DB_USER", "BAMORT_DB_PASSWORD",
                        "BAMORT_DB_PASSWORD_FILE", "DATABASE_URL", "MARIADB_USER", "MARIADB_PASSWORD",
                        "MARIADB_PASSWORD_FILE", "MARIADB_DATABASE", "BAMORT_REPORTS_DIR"}) {
    if (!env.count(k)) env[k] = "";
  }
  return env;
}

TEST(CliHelp, EveryBuiltJobIsKnownToTheFrontDoor) {
  std::set<std::string> built;
  DIR* dir = opendir(BAMORT_BINARY_DIR);
  ASSERT_NE(dir, nullptr);
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    std::string path = std::string(BAMORT_BINARY_DIR) + "/" + name;
    if (name.rfind("bamort-", 0) == 0 && access(path.c_str(), X_OK) == 0) built.insert(name.substr(7));
  }
  closedir(dir);
  std::set<std::string> known;
  for (const JobEntry& j : KnownJobs()) known.insert(j.name);
  EXPECT_EQ(built, known);
}

TEST(CliHelp, EveryJobAnswersHelpNamingItselfAndItsSettings) {
  for (const JobEntry& j : KnownJobs()) {
    ProcessResult r = RunProcess({BinaryPath(j.name), "--help"});
    EXPECT_EQ(r.exit_code, 0) << j.name << ": " << r.err;
    EXPECT_NE(r.out.find("bamort-" + j.name + " - "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Usage: bamort-" + j.name), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--env-file FILE"), std::string::npos) << j.name;
    EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << j.name;
    if (r.out.find("--db-host") != std::string::npos) {
      EXPECT_NE(r.out.find("MARIADB_PASSWORD_FILE"), std::string::npos) << j.name;
    }
  }
}

// A job that reads a flag it did not declare does not compile (a handle comes only from its
// declaration, cli/job_cli.h); a bad declaration (a name declared twice, ...) makes the --help
// above fail at start-up.

TEST(CliHelp, EveryJobAnswersVersion) {
  for (const JobEntry& j : KnownJobs()) {
    ProcessResult r = RunProcess({BinaryPath(j.name), "--version"});
    EXPECT_EQ(r.exit_code, 0) << j.name << ": " << r.err;
    EXPECT_EQ(r.out.rfind("bamort-" + j.name + " " + kToolVersion + "\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("required DB version: "), std::string::npos) << r.out;
  }
}

TEST(CliHelp, AnUnknownFlagIsExit2NamingTheFlag) {
  for (const JobEntry& j : KnownJobs()) {
    ProcessResult r = RunProcess({BinaryPath(j.name), "--no-such-flag-" + j.name});
    EXPECT_EQ(r.exit_code, 2) << j.name;
    EXPECT_NE(r.err.find("--no-such-flag-" + j.name), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(CliHelp, TheFrontDoorListsRunsAndRefuses) {
  ProcessResult help = RunProcess({FrontDoor(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const JobEntry& j : KnownJobs()) EXPECT_NE(help.out.find("\n  " + j.name + " "), std::string::npos) << j.name;
  EXPECT_EQ(RunProcess({FrontDoor(), "help"}).out, help.out);

  ProcessResult status_help = RunProcess({FrontDoor(), "status", "--help"});
  EXPECT_EQ(status_help.exit_code, 0) << status_help.err;
  EXPECT_EQ(status_help.out, RunProcess({BinaryPath("status"), "--help"}).out);
  EXPECT_EQ(RunProcess({FrontDoor(), "help", "rollback"}).out, RunProcess({BinaryPath("rollback"), "--help"}).out);

  ProcessResult unknown = RunProcess({FrontDoor(), "nosuchjob"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown job 'nosuchjob'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("\n  status "), std::string::npos) << "the error lists the jobs: " << unknown.err;
  ProcessResult none = RunProcess({FrontDoor()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("\n  migrate "), std::string::npos) << none.err;

  ProcessResult version = RunProcess({FrontDoor(), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind(std::string("bamort ") + kToolVersion + "\n", 0), 0u) << version.out;
  // The job's own exit code and messages come through: a wrong flag of the job is its exit 2.
  ProcessResult wrong = RunProcess({FrontDoor(), "rollback", "--stepz", "2"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("bamort-rollback: unknown flag --stepz"), std::string::npos) << wrong.err;
}

TEST(CliHelp, BackupListRunsTheListSwitch) {
  std::string dir = ::testing::TempDir() + "/cli_help_test_backups";
  mkdir(dir.c_str(), 0755);
  ProcessResult r = RunProcess({FrontDoor(), "backup", "list", "--out-dir", dir, "--json"}, WithoutServerSettings());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, RunProcess({BinaryPath("backup"), "--list", "--out-dir", dir, "--json"}, WithoutServerSettings()).out);
}

TEST(CliHelp, TheFrontDoorFindsJobsOnPathWhenNotBesideIt) {
  // A copy of bamort alone in a folder: the jobs come from PATH, or it says they are missing.
  std::string dir = ::testing::TempDir() + "/cli_help_test_alone";
  mkdir(dir.c_str(), 0755);
  std::string copy = dir + "/bamort";
  {
    std::ifstream in(FrontDoor(), std::ios::binary);
    std::ofstream out(copy, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  ASSERT_EQ(chmod(copy.c_str(), 0755), 0);
  ProcessResult found = RunProcess({copy, "status", "--version"}, {{"PATH", std::string(BAMORT_BINARY_DIR)}});
  EXPECT_EQ(found.exit_code, 0) << found.err;
  EXPECT_EQ(found.out.rfind("bamort-status ", 0), 0u) << found.out;
  ProcessResult missing = RunProcess({copy, "status"}, {{"PATH", "/nonexistent"}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("bamort-status is not installed"), std::string::npos) << missing.err;
}

TEST(CliHelp, MalformedEnvFileIsExit2NamingFileAndLine) {
  std::string path = WriteFile("malformed.env", "# ok\nMARIADB_USER=bamort\nMARIADB_PASSWORD='SecretNotShown\n");
  for (const char* job : {"status", "backup", "migrate"}) {
    ProcessResult r = RunProcess({BinaryPath(job), "--env-file", path}, WithoutServerSettings());
    EXPECT_EQ(r.exit_code, 2) << job << ": " << r.err;
    EXPECT_NE(r.err.find(path + ":3:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("SecretNotShown"), std::string::npos) << r.err;
  }
  ProcessResult missing = RunProcess({BinaryPath("status"), "--env-file", "/nonexistent/.env"}, WithoutServerSettings());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/.env"), std::string::npos) << missing.err;
}

// A user with exactly the official image's grants, upstream's .env shape in a file, and
// the jobs reading it: MARIADB_* alone, then the DATABASE_URL line that a shell cannot source.
class EnvFileAgainstServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = db_.Connect();
    ASSERT_TRUE(conn);
    user_ = "u_" + db_.name().substr(db_.name().size() > 20 ? db_.name().size() - 20 : 0);
    ASSERT_TRUE(conn->Execute("CREATE USER '" + user_ + "'@'%' IDENTIFIED BY '" + kPassword + "'").ok());
    ASSERT_TRUE(conn->Execute("GRANT ALL PRIVILEGES ON `" + db_.name() + "`.* TO '" + user_ + "'@'%'").ok());
  }
  void TearDown() override {
    if (auto conn = db_.Connect()) conn->Execute("DROP USER IF EXISTS '" + user_ + "'@'%'");
  }
  std::string ServerLines() const {
    DbConfig server = testing::ServerConfig();
    return "BAMORT_DB_HOST=" + server.host + "\nBAMORT_DB_PORT=" + std::to_string(server.port) + "\n";
  }

  static constexpr const char* kPassword = "Pw(with)&odd?;chars";
  testing::ScratchDatabase db_{"clienv"};
  std::string user_;
};

TEST_F(EnvFileAgainstServer, UpstreamEnvShapeWithMariadbVariables) {
  std::string path = WriteFile("upstream.env",
                               "#- API Configuration\nAPI_URL=https://api.example.org\n\n"
                               "#- Database Configuration Backend\nDATABASE_TYPE=mysql\n"
                               "#DATABASE_URL=x:y@tcp(mariadb:3306)/x?charset=utf8mb4&parseTime=True&loc=Local\n\n"
                               "#- MariaDB Configuration \nMARIADB_ROOT_PASSWORD=not_the_root_password\n"
                               "MARIADB_PASSWORD='" + std::string(kPassword) + "'\nMARIADB_DATABASE=" + db_.name() +
                                   "\nMARIADB_USER=" + user_ + "\n\n" + ServerLines() + "COMPOSE_PROJECT_NAME=bamort\n");
  std::string report = ::testing::TempDir() + "/cli_help_test_validate.json";
  ProcessResult r = RunProcess({BinaryPath("validate"), "--env-file", path, "--print-schema", "--report", report},
                               WithoutServerSettings());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"tables\""), std::string::npos) << r.out;
  std::ifstream in(report);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"name\": \"" + db_.name() + "\""), std::string::npos) << text;
  EXPECT_EQ(text.find(kPassword), std::string::npos);
  EXPECT_EQ(r.err.find(kPassword), std::string::npos);
}

TEST_F(EnvFileAgainstServer, DatabaseUrlLineAndTheEnvironmentWinning) {
  DbConfig server = testing::ServerConfig();
  std::string url = user_ + ":" + kPassword + "@tcp(" + server.host + ":" + std::to_string(server.port) + ")/" +
                    db_.name() + "?charset=utf8mb4&parseTime=True&loc=Local";
  std::string path = WriteFile("url.env", "export DATABASE_URL=" + url + "\n");
  ProcessResult r = RunProcess({BinaryPath("validate"), "--env-file", path, "--print-schema"}, WithoutServerSettings());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A variable of the environment wins over the file: a wrong user from the environment fails.
  ProcessResult env_wins = RunProcess({BinaryPath("validate"), "--env-file", path, "--print-schema"},
                                      WithoutServerSettings({{"BAMORT_DB_USER", "nobody_" + user_}}));
  EXPECT_EQ(env_wins.exit_code, 1) << env_wins.err;
  EXPECT_NE(env_wins.err.find("nobody_" + user_), std::string::npos) << env_wins.err;
  EXPECT_EQ(env_wins.err.find(kPassword), std::string::npos) << env_wins.err;
}

}  // namespace
}  // namespace bamort
