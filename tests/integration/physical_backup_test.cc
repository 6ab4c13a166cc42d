// bamort-backup --physical and bamort-restore --physical as processes: a set made with
// the server's own mariadb-backup, verified in a private server, and restored natively
// into the data directory of a throwaway server that the restore starts; a mariadb-backup
// of another version and a damaged set are refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <Poco/File.h>

#include "backup/manifest.h"
#include "common/file_io.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort::testing {
namespace {

unsigned FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The source: a few tables with rows, a LONGTEXT and NULLs.
void FillSource(const ScratchDatabase& db) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE chars (id INT PRIMARY KEY, name VARCHAR(100), notes LONGTEXT NULL) "
                            "ENGINE=InnoDB").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO chars SELECT seq, CONCAT('Held ', seq, ' ä'), IF(seq % 3 = 0, NULL, "
                            "REPEAT('Parierwaffe ', seq)) FROM seq_1_to_2000").ok());
  ASSERT_TRUE(conn->Execute("CREATE TABLE skills (id INT PRIMARY KEY, char_id INT, skill VARCHAR(50), "
                            "KEY (char_id)) ENGINE=InnoDB").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO skills SELECT seq, seq % 2000 + 1, CONCAT('Skill ', seq % 37) "
                            "FROM seq_1_to_6000").ok());
}

// A throwaway server's folder: an initialised data directory with a marker file in it,
// and the command that starts a server on it (what --start-command gets).
struct Throwaway {
  std::string dir;
  unsigned port = 0;
  ~Throwaway() {
    std::string pid;
    if (ReadFileToString(dir + "/pid", &pid).ok() && !pid.empty()) {
      pid_t p = static_cast<pid_t>(std::stol(pid));
      kill(p, SIGTERM);
      for (int i = 0; i < 200 && kill(p, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      kill(p, SIGKILL);
    }
    if (!dir.empty()) Poco::File(dir).remove(true);
  }
  std::string StartCommand() const {
    return "PATH=$PATH:/usr/sbin; mariadbd --no-defaults" + std::string(geteuid() == 0 ? " --user=root" : "") + " --datadir=" + dir +
           "/data --socket=" + dir + "/sock --pid-file=" + dir + "/pid --tmpdir=" + dir + "/tmp --port=" +
           std::to_string(port) + " --bind-address=127.0.0.1 --skip-name-resolve --innodb-buffer-pool-size=64M "
           "--log-error=" + dir + "/error.log >/dev/null 2>&1 &";
  }
};

void MakeThrowaway(Throwaway* t) {
  t->dir = NewTempDir("phys-target");
  t->port = FreePort();
  Poco::File(t->dir + "/tmp").createDirectories();
  ProcessResult r = RunProcess({"/bin/sh", "-c",
                                "PATH=$PATH:/usr/sbin exec mariadb-install-db --no-defaults " +
                                    std::string(geteuid() == 0 ? "--user=root " : "") + "--datadir=" + t->dir +
                                    "/data --auth-root-authentication-method=normal --skip-test-db"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(WriteFileAtomic(t->dir + "/data/before-restore.marker", "the old data directory\n").ok());
}

class PhysicalBackup : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    installed_ = RunProcess({"/bin/sh", "-c", "command -v mariadb-backup"}).exit_code == 0;
    if (!installed_) return;
    source_ = new ScratchDatabase("phys");
    FillSource(*source_);
    out_ = NewTempDir("phys-sets");
    made_ = source_->Job("backup", {"--physical", "--out-dir", out_, "--no-retention", "--report", out_ + "/b.json"});
  }
  static void TearDownTestSuite() {
    delete source_;
    if (!out_.empty()) Poco::File(out_).remove(true);
  }
  void SetUp() override {
    if (!installed_) GTEST_SKIP() << "mariadb-backup is not installed (scripts/install-deps.sh installs it)";
  }
  static std::string SetDir() {
    for (const std::string& n : DirEntries(out_)) {
      if (n[0] != '.' && Poco::File(out_ + "/" + n).isDirectory()) return out_ + "/" + n;
    }
    return "";
  }

  static bool installed_;
  static ScratchDatabase* source_;
  static std::string out_;
  static ProcessResult made_;
};
bool PhysicalBackup::installed_ = false;
ScratchDatabase* PhysicalBackup::source_ = nullptr;
std::string PhysicalBackup::out_;
ProcessResult PhysicalBackup::made_;

TEST_F(PhysicalBackup, SetIsMadeVerifiedAndRestoredNativelyWithEqualRows) {
  ASSERT_EQ(made_.exit_code, 0) << made_.err;
  const std::string set = SetDir();
  ASSERT_FALSE(set.empty());
  Manifest m;
  ASSERT_TRUE(ReadManifest(set + "/manifest.json", &m).ok());
  EXPECT_EQ(m.kind, "physical");
  EXPECT_TRUE(m.verified);
  ASSERT_EQ(m.files.size(), 1u);
  EXPECT_EQ(m.files[0].role, "physical-stream");
  ASSERT_TRUE(m.physical);
  EXPECT_GT(m.physical->getObject("position")->getValue<uint64_t>("to_lsn"), 0u);
  EXPECT_EQ(m.tables.at("chars").rows, 2000u);
  EXPECT_EQ(m.tables.at("skills").rows, 6000u);
  std::vector<std::string> problems;
  EXPECT_TRUE(CheckSetFiles(set, m, &problems).ok());
  // --list shows it beside logical sets.
  ProcessResult list = source_->Job("backup", {"--list", "--json", "--out-dir", out_});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find(m.set_name), std::string::npos);

  Throwaway target;
  MakeThrowaway(&target);
  const std::map<std::string, std::string> env = {{"BAMORT_DB_PORT", std::to_string(target.port)}};
  ProcessResult r = source_->Job("restore", {"--physical", "--backup", set, "--datadir", target.dir + "/data",
                                             "--start-command", target.StartCommand(), "--start-timeout", "120",
                                             "--report",
                                             target.dir + "/r.json"},
                                 env);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  // The restored server answers with the source's users and holds the same rows.
  DbConfig c = source_->config();
  c.port = target.port;
  std::unique_ptr<Connection> conn;
  ASSERT_TRUE(Connection::Open(c, &conn).ok());
  auto source = source_->Connect();
  for (const std::string t : {"chars", "skills"}) {
    Value a, b;
    ResultSet ra, rb;
    ASSERT_TRUE(conn->Query("CHECKSUM TABLE `" + t + "`", &ra).ok());
    ASSERT_TRUE(source->Query("CHECKSUM TABLE `" + t + "`", &rb).ok());
    EXPECT_EQ(ra.GetString(0, 1), rb.GetString(0, 1)) << t;
    ASSERT_TRUE(conn->QueryValue("SELECT COUNT(*) FROM `" + t + "`", &a).ok());
    ASSERT_TRUE(source->QueryValue("SELECT COUNT(*) FROM `" + t + "`", &b).ok());
    EXPECT_EQ(*a, *b) << t;
  }
  // The old data directory is kept beside it, untouched.
  std::string aside;
  for (const std::string& n : DirEntries(target.dir)) {
    if (n.rfind("data.before-restore-", 0) == 0) aside = target.dir + "/" + n;
  }
  ASSERT_FALSE(aside.empty());
  EXPECT_TRUE(Poco::File(aside + "/before-restore.marker").exists());
  EXPECT_FALSE(Poco::File(target.dir + "/data/before-restore.marker").exists());
  std::string report;
  ASSERT_TRUE(ReadFileToString(target.dir + "/r.json", &report).ok());
  EXPECT_NE(report.find("\"old_datadir\""), std::string::npos);
}

TEST_F(PhysicalBackup, MariadbBackupOfAnotherVersionIsRefused) {
  const std::string dir = NewTempDir("phys-fake");
  const std::string fake = dir + "/mariadb-backup";
  ASSERT_TRUE(WriteFileAtomic(fake, "#!/bin/sh\necho 'mariadb-backup based on MariaDB server 10.6.99-MariaDB "
                                    "debian-linux-gnu (x86_64)' >&2\nexit 0\n", 0755).ok());
  const std::string out = NewTempDir("phys-fake-out");
  ProcessResult r = source_->Job("backup", {"--physical", "--mariadb-backup", fake, "--out-dir", out});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("10.6.99"), std::string::npos) << r.err;
  EXPECT_TRUE(DirEntries(out).empty());
  Poco::File(dir).remove(true);
  Poco::File(out).remove(true);
}

// mariadb-backup fails in the middle of its copy (here: the real one for --version, an error
// for --backup): exit 1 naming it with its own message, nothing kept. (The source's reading
// beside the copy is then stopped with KILL QUERY; on a source this small it has ended anyway.)
TEST_F(PhysicalBackup, AFailingCopyFailsTheBackupAndKeepsNothing) {
  const std::string dir = NewTempDir("phys-failing");
  const std::string fake = dir + "/mariadb-backup";
  ASSERT_TRUE(WriteFileAtomic(fake, "#!/bin/sh\ncase \"$*\" in *--version*) exec mariadb-backup --version ;; esac\n"
                                    "echo 'simulated: cannot read the redo log' >&2\nexit 1\n", 0755).ok());
  const std::string out = NewTempDir("phys-failing-out");
  ProcessResult r = source_->Job("backup", {"--physical", "--mariadb-backup", fake, "--out-dir", out,
                                            "--no-retention", "--report", out + "/r.json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("mariadb-backup --backup"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("simulated: cannot read the redo log"), std::string::npos) << r.err;
  EXPECT_EQ(DirEntries(out), std::vector<std::string>{"r.json"}) << "no set and no partial folder";
  Poco::File(dir).remove(true);
  Poco::File(out).remove(true);
}

// The quiet case: the source read beside the copy equals the copy, and no reading after it
// is needed (the manifest says which reading the copy was compared with).
TEST_F(PhysicalBackup, AQuietSourceIsComparedWithTheReadingBesideTheCopy) {
  ASSERT_EQ(made_.exit_code, 0) << made_.err;
  Manifest m;
  ASSERT_TRUE(ReadManifest(SetDir() + "/manifest.json", &m).ok());
  ASSERT_TRUE(m.verification);
  EXPECT_NE(m.verification->getValue<std::string>("compared").find("opened before the copy"), std::string::npos);
  // The job found libbamort-nosync.so beside itself (the build folder): the private copy's
  // prepare and server skipped their fsync calls.
  EXPECT_TRUE(m.verification->getValue<bool>("private_copy_unsynced"));
  EXPECT_EQ(made_.err.find("reading the source again"), std::string::npos) << made_.err;
}

// Runs bamort-backup-faults --physical on a fresh source with the test-only Env's SQL at
// fault points (tests/faults/install_hooks.cc); "{db}" in the SQL is the source's name.
struct FaultRun {
  std::string out;
  ProcessResult r;
  StepReport report;
};
void RunPhysicalWithFaults(const std::string& name, std::map<std::string, std::string> faults, FaultRun* run) {
  ScratchDatabase db(name);
  FillSource(db);
  for (auto& [variable, sql] : faults) {
    for (size_t at = sql.find("{db}"); at != std::string::npos; at = sql.find("{db}")) sql.replace(at, 4, db.name());
  }
  run->out = NewTempDir(name + "-out");
  run->r = db.Job("backup-faults", {"--physical", "--out-dir", run->out, "--no-retention", "--report",
                                    run->out + "/r.json"},
                  faults);
  ASSERT_TRUE(ReadReport(run->out + "/r.json", &run->report).ok()) << run->r.err;
}

// A commit during the copy: the copy holds it, the reading beside the copy (opened before it)
// does not. The source is read again after the copy, the copy equals that reading, and the
// set is verified with the row in it.
TEST_F(PhysicalBackup, ACommitDuringTheCopyIsComparedWithAReadingAfterIt) {
  FaultRun run;
  RunPhysicalWithFaults("phys_during", {{"BAMORT_TEST_WRITE_DURING_COPY", "INSERT INTO skills VALUES (999999, 1, 'during')"}},
                        &run);
  ASSERT_EQ(run.r.exit_code, 0) << run.r.err;
  EXPECT_NE(run.r.err.find("differs from the source's reading before it (table skills"), std::string::npos) << run.r.err;
  Manifest m;
  ASSERT_TRUE(ReadManifest(run.report.outputs->getValue<std::string>("manifest"), &m).ok());
  EXPECT_TRUE(m.verified);
  EXPECT_EQ(m.tables.at("skills").rows, 6001u) << "the copy holds the commit made during it";
  ASSERT_TRUE(m.verification);
  EXPECT_NE(m.verification->getValue<std::string>("compared").find("opened after the copy"), std::string::npos);
  Poco::File(run.out).remove(true);
}

// Commits during the copy, right after it and between the two readings after it: the
// database is still being written, so nothing can be compared and nothing is kept.
TEST_F(PhysicalBackup, ADatabaseStillBeingWrittenKeepsNothing) {
  FaultRun run;
  RunPhysicalWithFaults("phys_busy",
                        {{"BAMORT_TEST_WRITE_DURING_COPY", "INSERT INTO skills VALUES (999997, 1, 'during')"},
                         {"BAMORT_TEST_WRITE_BEFORE_SNAPSHOT_B", "INSERT INTO skills VALUES (999998, 1, 'after')"},
                         {"BAMORT_TEST_WRITE_BETWEEN_READINGS", "INSERT INTO skills VALUES (999999, 1, 'later')"}},
                        &run);
  EXPECT_EQ(run.r.exit_code, 1) << run.r.err;
  EXPECT_NE(run.r.err.find("the database changed while the backup ran (table skills"), std::string::npos) << run.r.err;
  EXPECT_EQ(run.report.status, "failed");
  EXPECT_TRUE(DirEntries(run.out).size() == 1) << "only the report: no set and no partial folder";
  Poco::File(run.out).remove(true);
}

// A copy that does not equal a source that stands still is not a set: here the prepared copy
// is changed in the private server before its tables are read (the test-only Env's SQL).
// Exit 1, the partial folder kept with an unverified manifest for inspection.
TEST_F(PhysicalBackup, ACopyThatDiffersFromTheSourceIsNotASet) {
  FaultRun run;
  RunPhysicalWithFaults("phys_differ", {{"BAMORT_TEST_TAMPER_COPY", "DELETE FROM `{db}`.skills WHERE id = 1"}}, &run);
  EXPECT_EQ(run.r.exit_code, 1) << run.r.err;
  EXPECT_NE(run.r.err.find("verification failed: the prepared copy differs from the source (table skills"),
            std::string::npos) << run.r.err;
  EXPECT_EQ(run.report.status, "failed");
  EXPECT_TRUE(BackupSetDirs(run.out).empty()) << "no set that looks done";
  std::string partial = run.report.details->optValue<std::string>("partial_path", "");
  ASSERT_FALSE(partial.empty());
  Manifest m;
  ASSERT_TRUE(ReadManifest(partial + "/manifest.json", &m).ok());
  EXPECT_FALSE(m.verified);
  Poco::File(run.out).remove(true);
}

TEST_F(PhysicalBackup, UserWithoutReloadAndProcessIsRefused) {
  DatabaseUser user(*source_, "ALL PRIVILEGES");
  const std::string out = NewTempDir("phys-grants-out");
  std::vector<std::string> args = {BinaryPath("backup"), "--physical", "--out-dir", out};
  std::map<std::string, std::string> env = user.env();
  env["BAMORT_DB_NAME"] = source_->name();
  ProcessResult r = RunProcess(args, env);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("RELOAD"), std::string::npos) << r.err;
  EXPECT_TRUE(DirEntries(out).empty());
  Poco::File(out).remove(true);
}

TEST_F(PhysicalBackup, DamagedSetIsRefusedBeforeTheServerIsLookedAt) {
  ASSERT_EQ(made_.exit_code, 0) << made_.err;
  const std::string copy = NewTempDir("phys-damaged");
  ASSERT_EQ(RunProcess({"/bin/cp", "-a", SetDir() + "/.", copy}).exit_code, 0);
  {
    std::fstream f(copy + "/physical.mbstream.gz", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.put('\x5a');
  }
  // The running test server's own data directory: a restore that looked at the server
  // first would refuse with exit 3; the damaged set must be refused first (exit 2).
  auto conn = source_->Connect();
  Value datadir;
  ASSERT_TRUE(conn->QueryValue("SELECT @@datadir", &datadir).ok());
  std::string dd = *datadir;
  while (dd.size() > 1 && dd.back() == '/') dd.pop_back();
  ProcessResult r = source_->Job("restore", {"--physical", "--backup", copy, "--datadir", dd, "--start-command",
                                             "false"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("physical.mbstream.gz"), std::string::npos) << r.err;
  Value one;
  EXPECT_TRUE(conn->QueryValue("SELECT 1", &one).ok());  // still running, untouched
  const std::string parent = dd.substr(0, dd.rfind('/'));
  for (const std::string& n : DirEntries(parent)) EXPECT_EQ(n.find(".before-restore-"), std::string::npos) << n;
  Poco::File(copy).remove(true);
}

TEST_F(PhysicalBackup, ServerStillRunningOnTheDatadirIsRefusedByItsLock) {
  ASSERT_EQ(made_.exit_code, 0) << made_.err;
  // The test server's data directory, with an address nothing answers on: the restore
  // must still see that mariadbd holds ibdata1 and refuse (exit 3) before changing it.
  auto conn = source_->Connect();
  Value datadir;
  ASSERT_TRUE(conn->QueryValue("SELECT @@datadir", &datadir).ok());
  std::string dd = *datadir;
  while (dd.size() > 1 && dd.back() == '/') dd.pop_back();
  ProcessResult r = source_->Job("restore", {"--physical", "--backup", SetDir(), "--datadir", dd, "--start-command",
                                             "false"},
                                 {{"BAMORT_DB_PORT", std::to_string(FreePort())}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("ibdata1 is locked by process"), std::string::npos) << r.err;
  Value one;
  EXPECT_TRUE(conn->QueryValue("SELECT 1", &one).ok());
  const std::string parent = dd.substr(0, dd.rfind('/'));
  for (const std::string& n : DirEntries(parent)) EXPECT_EQ(n.find(".restore-"), std::string::npos) << n;
}

// --check-only (deploy.sh runs it before it stops anything): the set and the tool only,
// while the server runs; a whole set passes, a damaged one is refused with exit 2.
TEST_F(PhysicalBackup, CheckOnlyPassesAWholeSetAndRefusesADamagedOneWhileTheServerRuns) {
  ASSERT_EQ(made_.exit_code, 0) << made_.err;
  ProcessResult whole = source_->Job("restore", {"--physical", "--check-only", "--backup", SetDir()});
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.out.find("is whole"), std::string::npos) << whole.out;
  const std::string copy = NewTempDir("phys-damaged-check");
  ASSERT_EQ(RunProcess({"/bin/cp", "-a", SetDir() + "/.", copy}).exit_code, 0);
  {
    std::fstream f(copy + "/physical.mbstream.gz", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  ProcessResult damaged = source_->Job("restore", {"--physical", "--check-only", "--backup", copy});
  EXPECT_EQ(damaged.exit_code, 2) << damaged.err;
  EXPECT_NE(damaged.err.find("physical.mbstream.gz"), std::string::npos) << damaged.err;
  auto conn = source_->Connect();
  Value one;
  EXPECT_TRUE(conn->QueryValue("SELECT 1", &one).ok());
  Poco::File(copy).remove(true);
}

TEST_F(PhysicalBackup, LogicalSetIsNotRestoredPhysically) {
  const std::string out = NewTempDir("phys-logical");
  ASSERT_EQ(source_->Job("backup", {"--out-dir", out, "--no-retention"}).exit_code, 0);
  std::string set;
  for (const std::string& n : DirEntries(out)) {
    if (n[0] != '.') set = out + "/" + n;
  }
  ProcessResult r = source_->Job("restore", {"--physical", "--backup", set, "--datadir", out, "--start-command",
                                             "false"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("logical"), std::string::npos) << r.err;
  Poco::File(out).remove(true);
}

}  // namespace
}  // namespace bamort::testing
