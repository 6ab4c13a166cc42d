// The password never leaks (DESIGN.md, docs/SECURITY.md): every job runs with a
// distinctive password read from BAMORT_DB_PASSWORD_FILE (and once from DATABASE_URL),
// and the test looks for it in every report, every line on stdout and stderr, every
// file of the backup set (decompressed), the master-data export and package, and the
// argv and environment of every process on the machine while backup and restore run.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>

#include "common/file_io.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ReadWholeFile;
using testing::RunProcess;
using testing::ScratchDatabase;
using testing::SourcePath;

// Quotes, a backslash, a space, ';', '$' and '#': characters that break naive quoting
// in option files, shells and JSON. The core is what we search for, so that a password
// cut at a special character is still found.
const std::string kCore = "Qx7SecretCoreZr9";
std::string Password() { return "pw'\"\\ ;$#" + kCore + "-" + std::to_string(getpid()) + "-end"; }

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = ::testing::TempDir() + "/secrets-" + std::to_string(getpid());
    if (Poco::File(work_).exists()) Poco::File(work_).remove(true);
    ASSERT_TRUE(MakeDirs(work_ + "/reports").ok());
    password_ = Password();
    user_ = "sec_" + std::to_string(getpid());
    pw_file_ = work_ + "/db-password";
    ASSERT_TRUE(WriteFileAtomic(pw_file_, password_ + "\n", 0600).ok());
    db_ = std::make_unique<ScratchDatabase>("secrets");
    empty_ = std::make_unique<ScratchDatabase>("secrets_init");
    auto conn = db_->Connect();
    ASSERT_TRUE(conn->Execute("CREATE USER " + conn->Quote(user_) + "@'127.0.0.1' IDENTIFIED BY " +
                              conn->Quote(password_))
                    .ok());
    // Backup --verify creates scratch databases bamort_verify_*, restore may create targets.
    ASSERT_TRUE(conn->Execute("GRANT ALL PRIVILEGES ON *.* TO " + conn->Quote(user_) + "@'127.0.0.1'").ok());
  }
  void TearDown() override {
    auto conn = db_->Connect();
    if (conn) conn->Execute("DROP USER IF EXISTS " + conn->Quote(user_) + "@'127.0.0.1'");
  }
  std::map<std::string, std::string> Env(const std::string& db_name) const {
    return {{"BAMORT_DB_USER", user_}, {"BAMORT_DB_PASSWORD_FILE", pw_file_}, {"BAMORT_DB_PASSWORD", ""},
            {"BAMORT_DB_NAME", db_name}, {"BAMORT_REPORTS_DIR", work_ + "/reports"}};
  }
  // Where the password could hide in a text: as is, JSON-escaped, or its core alone.
  void ExpectClean(const std::string& where, const std::string& text) {
    EXPECT_EQ(text.find(kCore), std::string::npos) << "the password appears in " << where;
    EXPECT_EQ(text.find(password_), std::string::npos) << "the password appears in " << where;
    ++checked_;
  }
  ProcessResult Run(const std::string& job, std::vector<std::string> args, const std::string& db_name,
                    std::vector<int> ok_codes = {0}) {
    std::string report = work_ + "/reports/" + job + "-" + std::to_string(++runs_) + ".json";
    args.insert(args.end(), {"--report", report, "--verbose"});
    args.insert(args.begin(), testing::BinaryPath(job));
    ProcessResult r = RunProcess(args, Env(db_name));
    bool ok = false;
    for (int c : ok_codes) ok |= r.exit_code == c;
    EXPECT_TRUE(ok) << job << " exited " << r.exit_code << ": " << r.err.substr(0, 2000);
    ExpectClean(job + " stdout", r.out);
    ExpectClean(job + " stderr", r.err);
    return r;
  }
  // Runs a job and polls /proc while it runs: argv and environment of every process.
  void RunPollingProc(const std::string& job, std::vector<std::string> args, const std::string& db_name) {
    std::string report = work_ + "/reports/" + job + "-polled-" + std::to_string(++runs_) + ".json";
    args.insert(args.end(), {"--report", report});
    args.insert(args.begin(), testing::BinaryPath(job));
    std::map<std::string, std::string> env = Env(db_name);
    testing::BackgroundProcess process(args, env);
    while (process.running()) {
      for (Poco::DirectoryIterator it(std::string("/proc")), end; it != end; ++it) {
        const std::string& p = it.name();
        if (p.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmd = ReadWholeFile("/proc/" + p + "/cmdline");
        std::string environ = ReadWholeFile("/proc/" + p + "/environ");
        if (cmd.find("mariadb") != std::string::npos) saw_client_ = true;
        EXPECT_EQ(cmd.find(kCore), std::string::npos) << "argv of pid " << p << " holds the password";
        EXPECT_EQ(environ.find(kCore), std::string::npos) << "environment of pid " << p << " holds the password";
        ++proc_samples_;
      }
    }
    EXPECT_EQ(process.exit_code(), 0) << job << " failed: " << process.err().substr(0, 2000);
  }
  void ScanTree(const std::string& dir) {
    for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
      std::string path = it.path().toString();
      if (it->isDirectory()) {
        ScanTree(path);
        continue;
      }
      if (it.name() == "db-password") continue;  // the secret itself
      std::string text = ReadWholeFile(path);
      ExpectClean(path, text);
      if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
        ProcessResult z = RunProcess({"/bin/sh", "-c", "gzip -dc \"$1\"", "sh", path});
        EXPECT_EQ(z.exit_code, 0) << path;
        ExpectClean(path + " (decompressed)", z.out);
      }
    }
  }

  std::string work_, password_, user_, pw_file_;
  std::unique_ptr<ScratchDatabase> db_, empty_;
  int runs_ = 0, checked_ = 0;
  long proc_samples_ = 0;
  bool saw_client_ = false;
};

TEST_F(SecretsTest, ThePasswordAppearsInNoReportLogMessageBackupExportOrProcess) {
  db_->LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  const std::string name = db_->name();
  std::string backups = work_ + "/backups";
  Run("status", {}, name, {3});
  Run("status", {"--json"}, name, {3});
  Run("migrate", {"--dry-run"}, name);
  Run("backup", {"--out-dir", backups, "--verify"}, name);
  Run("migrate", {"--require-backup", work_ + "/reports/backup-4.json", "--log-format", "json"}, name);
  Run("validate", {}, name, {0, 1});
  Run("rollback", {"--steps", "1", "--dry-run"}, name);
  Run("rollback", {"--steps", "1"}, name);
  Run("migrate", {}, name);
  Run("export-masterdata", {"--out", work_ + "/export"}, name);
  Run("prepare", {"--out", work_ + "/package.tar.gz"}, name);
  Run("import-masterdata", {"--source", work_ + "/package.tar.gz"}, name);
  Run("import-masterdata", {"--source", work_ + "/package.tar.gz", "--dry-run"}, name);
  Run("init", {"--admin-password-file", pw_file_}, empty_->name());
  Run("backup", {"--list", "--out-dir", backups}, name);
  // Failures carry messages too: a held-back precondition, a bad input, no connection.
  Run("migrate", {"--require-backup", "/nonexistent/backup.json"}, name, {0, 3});
  Run("restore", {"--backup", "/nonexistent/set"}, name, {2});
  Run("status", {"--db-port", "1"}, name, {1, 2});
  {
    std::map<std::string, std::string> env = Env(name);
    env.erase("BAMORT_DB_PASSWORD_FILE");
    env["BAMORT_DB_USER"] = "";
    env["DATABASE_URL"] = user_ + ":" + password_ + "@tcp(127.0.0.1:1)/" + name;
    ProcessResult r = RunProcess({testing::BinaryPath("status"), "--report", work_ + "/reports/url.json"}, env);
    EXPECT_NE(r.exit_code, 0);
    ExpectClean("status with DATABASE_URL, stderr", r.err);
    ExpectClean("status with DATABASE_URL, stdout", r.out);
  }
  if (RunProcess({testing::BinaryPath("health"), "--help"}).exit_code == 0) {
    Run("health", {"--help"}, name);
  }

  // Backup and restore while /proc is watched: the clients get the password through a
  // defaults file only.
  {
    auto conn = db_->Connect();
    ASSERT_TRUE(conn->Execute("CREATE TABLE filler (id INT PRIMARY KEY, h CHAR(64))").ok());
    ASSERT_TRUE(conn->Execute("INSERT INTO filler SELECT seq, SHA2(seq, 256) FROM seq_1_to_50000").ok());
  }
  RunPollingProc("backup", {"--out-dir", backups, "--verify", "--no-retention"}, name);
  std::vector<std::string> sets;
  for (Poco::DirectoryIterator it(backups), end; it != end; ++it) {
    if (it.name()[0] != '.') sets.push_back(it.path().toString());
  }
  ASSERT_FALSE(sets.empty());
  std::sort(sets.begin(), sets.end());
  RunPollingProc("restore", {"--backup", sets.back()}, name);
  RunPollingProc("restore", {"--backup", sets.back(), "--from", "json", "--target-db", name + "_copy"}, name);
  EXPECT_TRUE(saw_client_) << "the /proc poll never saw a mariadb client run";
  {
    auto conn = db_->Connect();
    conn->Execute("DROP DATABASE IF EXISTS `" + name + "_copy`");
  }

  ScanTree(work_ + "/reports");
  ScanTree(backups);
  ScanTree(work_ + "/export");
  ScanTree(work_);  // the package and anything else a job left behind
  std::cout << "[ secrets ] " << checked_ << " texts and " << proc_samples_ << " /proc samples checked" << std::endl;
}

}  // namespace
}  // namespace bamort
