// The reliability suite (docs/RELIABILITY.md): crashes at every statement boundary,
// kill -9 of the import, the backup and of migrate inside deploy.sh, a full backup disk,
// the database server stopped mid-migration, and bad connections for every job.
//
// Environment knobs (scripts/reliability.sh sets them; ctest runs the defaults):
//   BAMORT_RELIABILITY_BOUNDARIES   "all", "every:N" (default every:80) or "3,17,42"
//   BAMORT_RELIABILITY_SERVER_STOP  1: run the test that stops and restarts the dev-db
//                                   server (needs BAMORT_DEVDB_DIR; never in parallel runs)
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include "common/clock.h"
#include "common/file_io.h"
#include "fuzz/fuzz_targets.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::BackupSetDirs;
using testing::DirEntries;
using testing::Missing;
using testing::NewTempDir;
using testing::ParseObject;
using testing::ProcessResult;
using testing::RunProcess;
using testing::ScratchDatabase;
using testing::SourcePath;

constexpr int kKilled = 128 + SIGKILL;


// ---------------------------------------------------------------------------------------
// 1. kill -9 of bamort-migrate at statement boundaries of the legacy-to-latest chain.

struct CleanRun {
  std::vector<int64_t> totals;  // statements per migration, index 0 = migration 1
  std::vector<std::string> schema;
  std::map<std::string, std::string> checksums;
  int64_t total = 0;
};

// Tables whose contents carry the time of the run; compared by row count only.
bool TimeStamped(const std::string& table) {
  return table == "migration_history" || table == "schema_version" || table == "game_systems";
}

std::map<std::string, std::string> ComparableChecksums(const ScratchDatabase& db) {
  std::map<std::string, std::string> out = db.TableChecksums();
  for (auto& [t, v] : out) {
    if (TimeStamped(t)) v = v.substr(v.find('/') + 1);
  }
  return out;
}

const CleanRun& LegacyCleanRun() {
  static const CleanRun run = [] {
    CleanRun r;
    ScratchDatabase db("clean");
    db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
    ProcessResult m = db.Job("migrate");
    EXPECT_EQ(m.exit_code, 0) << m.err;
    int64_t n = db.Count("SELECT MAX(migration_number) FROM migration_history");
    for (int64_t i = 1; i <= n; ++i) {
      r.totals.push_back(
          db.Count("SELECT statements_total FROM migration_history WHERE migration_number = " + std::to_string(i)));
      r.total += r.totals.back();
    }
    r.schema = db.SchemaSignature();
    r.checksums = ComparableChecksums(db);
    return r;
  }();
  return run;
}

std::vector<int64_t> BoundariesToTest(int64_t total) {
  const char* env = std::getenv("BAMORT_RELIABILITY_BOUNDARIES");
  std::string spec = env && *env ? env : "every:80";
  std::vector<int64_t> out;
  if (spec == "all") spec = "every:1";
  if (spec.rfind("every:", 0) == 0) {
    int64_t step = std::max<int64_t>(1, std::stoll(spec.substr(6)));
    for (int64_t k = 1; k <= total; k += step) out.push_back(k);
    if (out.back() != total) out.push_back(total);  // the very last statement too
    return out;
  }
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  return out;
}

// Boundary k (1-based, counted over the whole run) lies in migration *number after its
// statement *done.
void Locate(const CleanRun& clean, int64_t k, int64_t* number, int64_t* done) {
  int64_t before = 0;
  for (size_t i = 0; i < clean.totals.size(); ++i) {
    if (k <= before + clean.totals[i]) {
      *number = static_cast<int64_t>(i) + 1;
      *done = k - before;
      return;
    }
    before += clean.totals[i];
  }
  *number = *done = -1;
}

void CheckBoundary(const CleanRun& clean, int64_t k) {
  SCOPED_TRACE("kill -9 after statement " + std::to_string(k) + " of " + std::to_string(clean.total));
  int64_t number = 0, done = 0;
  Locate(clean, k, &number, &done);
  ASSERT_GT(number, 0);
  ScratchDatabase db("kill" + std::to_string(k));
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ProcessResult killed = db.Job("migrate-faults", {}, {{"BAMORT_TEST_KILL_AFTER_STATEMENTS", std::to_string(k)}});
  ASSERT_EQ(killed.exit_code, kKilled) << "the test hook should have killed the run: " << killed.err;

  ProcessResult status = db.Job("status", {"--json"});
  Poco::JSON::Object::Ptr st = ParseObject(status.out);
  if (number == 1) {
    // Migration 1 creates the version tables; there is no record to be dirty, and its
    // statements are all IF NOT EXISTS: a re-run simply completes.
    EXPECT_TRUE(st->isNull("dirty")) << status.out;
    EXPECT_EQ(status.exit_code, 3) << status.out;
  } else {
    EXPECT_EQ(status.exit_code, 3) << status.out;
    EXPECT_EQ(st->getValue<std::string>("state"), "dirty") << status.out;
    Poco::JSON::Object::Ptr dirty = st->getObject("dirty");
    ASSERT_TRUE(dirty) << status.out;
    EXPECT_EQ(dirty->getValue<int64_t>("number"), number) << status.out;
    EXPECT_EQ(dirty->getValue<int64_t>("statements_done"), done) << status.out;
    EXPECT_EQ(dirty->getValue<int64_t>("statements_total"), clean.totals[number - 1]) << status.out;
    EXPECT_TRUE(dirty->isNull("error_message")) << "a killed process records no error: " << status.out;
    ProcessResult refused = db.Job("migrate");
    EXPECT_EQ(refused.exit_code, 3) << refused.err;
    EXPECT_NE(refused.err.find("--repair"), std::string::npos) << refused.err;
    ProcessResult repair = db.Job("migrate", {"--repair"});
    ASSERT_EQ(repair.exit_code, 0) << repair.err;
  }
  ProcessResult again = db.Job("migrate");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(db.Job("status").exit_code, 0);
  std::vector<std::string> schema = db.SchemaSignature();
  std::string diff;
  for (const auto& l : Missing(schema, clean.schema)) diff += "  only after the crash: " + l + "\n";
  for (const auto& l : Missing(clean.schema, schema)) diff += "  only in a clean run:  " + l + "\n";
  EXPECT_TRUE(diff.empty()) << "schema after crash + repair + migrate differs from a clean run:\n" << diff;
  auto sums = ComparableChecksums(db);
  for (const auto& [t, v] : clean.checksums) {
    EXPECT_EQ(sums[t], v) << "table " << t << " differs from a clean run (checksum/rows)";
  }
  EXPECT_EQ(sums.size(), clean.checksums.size());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM migration_history WHERE success = 1 AND statements_done = statements_total"),
            static_cast<int64_t>(clean.totals.size()));
}

TEST(Reliability, KillMinus9OfMigrateAtStatementBoundariesIsRecoverable) {
  const CleanRun& clean = LegacyCleanRun();
  ASSERT_GT(clean.total, 100) << "the legacy chain should have a couple of hundred statements";
  std::vector<int64_t> boundaries = BoundariesToTest(clean.total);
  std::cout << "[ reliability ] legacy chain: " << clean.total << " statements in " << clean.totals.size()
            << " migrations; testing " << boundaries.size() << " boundaries" << std::endl;
  for (int64_t k : boundaries) {
    CheckBoundary(clean, k);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Regression: when recording the progress after a committed statement failed (the server
// went away right after the commit, or the history table is gone), the engine indexed the
// statement list with -1 while recording the failure. It must report the error, exit 4.
TEST(Reliability, FailureToRecordProgressIsReportedAsDirtyNotACrash) {
  ScratchDatabase db("progressfail");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string dir = NewTempDir("progressfail-migrations");
  for (const std::string& name : DirEntries(SourcePath("migrations"))) {
    Poco::File(SourcePath("migrations/" + name)).copyTo(dir + "/" + name);
  }
  ASSERT_TRUE(WriteFileAtomic(dir + "/0013_test_history_moved.sql",
                              "-- version: 0.6.0\n-- description: moves the history table away\n-- +up\n"
                              "RENAME TABLE migration_history TO history_moved;\nDO 0;\n-- +down\nDO 0;\n")
                  .ok());
  ProcessResult r = db.Job("migrate", {"--migrations-dir", dir});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("migration_history"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------
// 2. kill -9 of migrate inside deploy.sh: the automatic restore must happen.

TEST(Reliability, DeployRestoresAutomaticallyWhenMigrateIsKilled) {
  std::string work = NewTempDir("deploykill");
  std::string package = work + "/package.tar.gz";
  ProcessResult p = RunProcess({testing::BinaryPath("prepare"), "--out", package, "--from", SourcePath("masterdata")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  ScratchDatabase db("deploykill");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  // deploy.sh runs the bamort-* of --bin-dir: the build's, with bamort-migrate being the
  // test-only bamort-migrate-faults (the kill hook exists only there).
  std::string bin = work + "/bin";
  ASSERT_EQ(mkdir(bin.c_str(), 0755), 0);
  for (Poco::DirectoryIterator it(std::string(BAMORT_BINARY_DIR)), end; it != end; ++it) {
    const std::string name = it.name();
    if (name.rfind("bamort", 0) != 0 || !it->isFile() || !it->canExecute()) continue;
    std::string target = name == "bamort-migrate" ? testing::BinaryPath("migrate-faults") : it->path();
    ASSERT_EQ(symlink(target.c_str(), (bin + "/" + name).c_str()), 0) << name;
  }
  ProcessResult r = RunProcess({SourcePath("docker/deploy.sh"), "--native", "--bin-dir", bin,
                                "--reports-root", work + "/reports", "--backup-dir", work + "/backups", "--run-id",
                                "run1", package},
                               {{"BAMORT_DB_NAME", db.name()}, {"BAMORT_TEST_KILL_AFTER_STATEMENTS", "100"}});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("RESTORED AUTOMATICALLY"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
  Poco::JSON::Object::Ptr st = ParseObject(db.Job("status", {"--json"}).out);
  EXPECT_TRUE(st->isNull("dirty")) << "the restore brings back the pre-deploy state, without a dirty record";
}

// ---------------------------------------------------------------------------------------
// 3a. kill -9 of bamort-import-masterdata inside its transaction: nothing changes.

TEST(Reliability, KilledImportLeavesTheDatabaseUnchanged) {
  ScratchDatabase db("importkill");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  auto before = db.TableChecksums();
  // A second connection holds every gap of gsm_spells, so the import blocks on its first
  // spell insert after it has written the sources, classes, skills and their links in its
  // transaction. It is killed while it waits.
  auto blocker = db.Connect();
  ASSERT_TRUE(blocker->Execute("START TRANSACTION").ok());
  ResultSet locked;
  ASSERT_TRUE(blocker->Query("SELECT * FROM gsm_spells FOR UPDATE", &locked).ok());
  auto import = db.StartJob("import-masterdata", {"--source", SourcePath("masterdata")});
  // The import is stuck once its INSERT into gsm_spells has waited a second; by then the
  // entities before spells in the import order (sources, classes, categories, skills and
  // their links) are written in its open transaction. PROCESSLIST is used rather than
  // INNODB_TRX, which did not always list the waiting transaction on 10.11.
  auto watcher = db.Connect();
  bool blocked = false;
  for (int i = 0; i < 600 && !blocked; ++i) {
    Value v;
    ASSERT_TRUE(watcher
                    ->QueryValue("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() "
                                 "AND INFO LIKE 'INSERT INTO `gsm_spells`%' AND TIME >= 1",
                                 &v)
                    .ok());
    blocked = v && *v != "0";
    if (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(blocked) << "the import never blocked on gsm_spells";
  import->Kill(SIGKILL);
  ASSERT_TRUE(blocker->Execute("ROLLBACK").ok());
  blocker.reset();
  // The server rolls the dead connection's transaction back; give it a moment.
  std::map<std::string, std::string> after;
  for (int i = 0; i < 100; ++i) {
    after = db.TableChecksums();
    if (after == before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(after, before) << "a killed import must leave every table as it was";
  ProcessResult again = db.Job("import-masterdata", {"--source", SourcePath("masterdata")});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// ---------------------------------------------------------------------------------------
// 3b/6. The backup: killed mid-dump with older sets present; a full backup disk.

void FillRandomTable(const ScratchDatabase& db, int rows) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE filler (id INT PRIMARY KEY, h CHAR(64), g CHAR(64))").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO filler SELECT seq, SHA2(RAND(), 256), SHA2(RAND(), 256) FROM seq_1_to_" +
                            std::to_string(rows))
                  .ok());
}

TEST(Reliability, KilledBackupKeepsOlderSetsAndRetentionAndTheNextBackupWorks) {
  ScratchDatabase db("bkkill");
  FillRandomTable(db, 60000);
  std::string out = NewTempDir("bkkill");
  auto ago = [](int days) {
    return FormatRfc3339(std::chrono::system_clock::now() - std::chrono::hours(24 * days));
  };
  for (int days : {40, 35}) {
    ProcessResult r = db.Job("backup-faults", {"--out-dir", out, "--no-retention"}, {{"BAMORT_TEST_NOW", ago(days)}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_EQ(BackupSetDirs(out).size(), 2u);
  auto backup = db.StartJob("backup", {"--out-dir", out, "--keep-min", "1"});
  bool saw_partial = false;
  for (int i = 0; i < 5000 && !saw_partial; ++i) {
    for (const std::string& n : DirEntries(out)) saw_partial |= n.find(".partial") != std::string::npos;
    if (!saw_partial) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(saw_partial);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_EQ(backup->Kill(SIGKILL), 128 + SIGKILL) << "the backup finished before it could be killed; grow the table";
  EXPECT_EQ(BackupSetDirs(out).size(), 2u) << "a killed backup must neither add a set nor delete one";
  ProcessResult list = db.Job("backup", {"--list", "--out-dir", out});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  // The next backup works and applies retention as usual (keep-min 1: both old sets go).
  ProcessResult next = db.Job("backup", {"--out-dir", out, "--keep-min", "1"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(BackupSetDirs(out).size(), 1u);
}

TEST(Reliability, FullBackupDiskFailsCleanlyAndMigrateRefusesWithoutTheBackup) {
  std::string mnt = NewTempDir("fulldisk");
  ProcessResult m = RunProcess({"/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt});
  if (m.exit_code != 0) GTEST_SKIP() << "cannot mount a tmpfs here (not root?): " << m.err;
  struct Unmount {
    std::string dir;
    ~Unmount() { RunProcess({"/bin/umount", "-l", dir}); }
  } unmount{mnt};
  ScratchDatabase db("fulldisk");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  FillRandomTable(db, 40000);
  auto before = db.TableChecksums();
  std::string report = NewTempDir("fulldisk-reports") + "/backup.json";
  ProcessResult b = db.Job("backup", {"--out-dir", mnt, "--report", report});
  // Refused by the free-space check before anything is written (backup/space_check.h).
  EXPECT_EQ(b.exit_code, 3) << b.err;
  EXPECT_NE(b.err.find(mnt), std::string::npos) << "the message should name the directory: " << b.err;
  EXPECT_TRUE(BackupSetDirs(mnt).empty());
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "failed");
  ProcessResult migrate = db.Job("migrate", {"--require-backup", report});
  EXPECT_EQ(migrate.exit_code, 3) << migrate.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

// ---------------------------------------------------------------------------------------
// 7. Wrong password, unreachable host, missing database: every job, DESIGN.md's codes.

struct JobCase {
  std::string job;
  std::vector<std::string> args;
};

TEST(Reliability, EveryJobSaysWrongPasswordUnreachableAndMissingDatabaseWithExit1) {
  ScratchDatabase db("badconn");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string work = NewTempDir("badconn");
  ProcessResult bk = db.Job("backup", {"--out-dir", work + "/backups"});
  ASSERT_EQ(bk.exit_code, 0) << bk.err;
  std::vector<std::string> sets = BackupSetDirs(work + "/backups");
  ASSERT_EQ(sets.size(), 1u);
  std::string set = sets[0];
  std::string admin_pw = work + "/admin-pw";
  { std::ofstream(admin_pw) << "admin-password\n"; }
  std::string wrong_pw = work + "/wrong-pw";
  { std::ofstream(wrong_pw) << "Wr0ng-Pw-Reliability\n"; }
  std::vector<JobCase> jobs = {
      {"status", {}},
      {"migrate", {}},
      {"rollback", {"--steps", "1"}},
      {"backup", {"--out-dir", work + "/b2"}},
      {"restore", {"--backup", set}},
      {"import-masterdata", {"--source", SourcePath("masterdata")}},
      {"export-masterdata", {"--out", work + "/export"}},
      {"prepare", {"--out", work + "/p.tar.gz"}},
      {"validate", {}},
      {"init", {"--admin-password-file", admin_pw}},
  };
  struct Fault {
    std::string name;
    std::map<std::string, std::string> env;
    std::vector<std::string> any_of;  // the message names at least one of these
  };
  std::vector<Fault> faults = {
      {"wrong password", {{"BAMORT_DB_PASSWORD_FILE", wrong_pw}}, {"1045", "Access denied"}},
      {"unreachable host", {{"BAMORT_DB_HOST", "127.0.0.1"}, {"BAMORT_DB_PORT", "1"}}, {"127.0.0.1:1", "2002", "2003"}},
      {"missing database", {{"BAMORT_DB_NAME", "no_such_database_rel"}}, {"no_such_database_rel"}},
  };
  for (const Fault& f : faults) {
    for (const JobCase& j : jobs) {
      // restore without --target-db only restores a set of the configured database's
      // name, so with another name it refuses (exit 2) before connecting.
      bool name_check_first = j.job == "restore" && f.name == "missing database";
      SCOPED_TRACE(j.job + " with " + f.name);
      std::string report = work + "/" + j.job + "-" + std::to_string(&f - &faults[0]) + ".json";
      std::vector<std::string> args = j.args;
      args.insert(args.end(), {"--report", report});
      ProcessResult r = db.Job(j.job, args, f.env);
      EXPECT_EQ(r.exit_code, name_check_first ? 2 : 1) << r.err;
      bool named = false;
      for (const std::string& s : f.any_of) named |= r.err.find(s) != std::string::npos;
      EXPECT_TRUE(named || name_check_first) << "message should name the cause: " << r.err;
      EXPECT_EQ(r.err.find("Wr0ng-Pw-Reliability"), std::string::npos);
      StepReport rep;
      Status rs = ReadReport(report, &rep);
      ASSERT_TRUE(rs.ok()) << "every job writes a report, also when it cannot connect: " << rs.ToString();
      EXPECT_EQ(rep.status, "failed");
      EXPECT_TRUE(rep.error.has_value());
      std::string text;
      ASSERT_TRUE(ReadFileToString(report, &text).ok());
      EXPECT_EQ(text.find("Wr0ng-Pw-Reliability"), std::string::npos);
    }
  }
}

// ---------------------------------------------------------------------------------------
// 4. The database server stopped mid-migration (SIGTERM) and restarted. Only with
//    BAMORT_RELIABILITY_SERVER_STOP=1 (scripts/reliability.sh): it stops the whole
//    dev-db server, which would break every test running beside it.

bool ServerUp() {
  std::unique_ptr<Connection> conn;
  return Connection::Open(testing::ServerConfig(), &conn, false).ok();
}

TEST(Reliability, ServerStoppedMidMigrationGivesAClearErrorAndIsRecoverable) {
  const char* enabled = std::getenv("BAMORT_RELIABILITY_SERVER_STOP");
  const char* devdb = std::getenv("BAMORT_DEVDB_DIR");
  if (!enabled || std::string(enabled) != "1" || !devdb) {
    GTEST_SKIP() << "stops the dev-db server: runs in scripts/reliability.sh (BAMORT_RELIABILITY_SERVER_STOP=1)";
  }
  const CleanRun& clean = LegacyCleanRun();
  ScratchDatabase db("serverstop");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  int rows = 300000;
  if (const char* r = std::getenv("BAMORT_RELIABILITY_ROWS")) rows = std::atoi(r);
  {
    auto conn = db.Connect();
    // 0003 merges the umlaut money columns of char_wealth (three full-table UPDATEs) and
    // drops them (a table rebuild): long statements to stop the server under.
    ASSERT_TRUE(conn->Execute("INSERT INTO char_wealth (id, name, character_id, `goldstücke`, `silberstücke`, "
                              "`kupferstücke`, user_id, goldstuecke, silberstuecke, kupferstuecke) SELECT 1000000 + "
                              "seq, 'Beutel', (SELECT MIN(id) FROM char_chars), seq MOD 100, seq MOD 10, seq MOD 7, "
                              "NULL, NULL, NULL, NULL FROM seq_1_to_" + std::to_string(rows))
                    .ok());
  }
  int64_t skills = db.Count("SELECT COUNT(*) FROM char_wealth");
  std::string report = NewTempDir("serverstop") + "/migrate.json";

  // The server's own command line, to start it again exactly as dev-db.sh did.
  std::string pid_text = testing::ReadWholeFile(std::string(devdb) + "/pid");
  pid_t server = static_cast<pid_t>(std::stol(pid_text));
  std::string cmdline = testing::ReadWholeFile("/proc/" + std::to_string(server) + "/cmdline");
  ASSERT_FALSE(cmdline.empty());
  std::vector<std::string> server_argv;
  for (size_t pos = 0; pos < cmdline.size();) {
    size_t end = cmdline.find('\0', pos);
    server_argv.push_back(cmdline.substr(pos, end - pos));
    pos = end == std::string::npos ? cmdline.size() : end + 1;
  }

  auto migrate = db.StartJob("migrate", {"--report", report});
  // Wait until one statement has been running for a second (a table rebuild or a
  // full-table UPDATE on the big table), then stop the server under it.
  auto watcher = db.Connect();
  std::string running;
  bool finished = false;
  for (int i = 0; i < 6000 && running.empty() && !finished; ++i) {
    Value v;
    Status s = watcher->QueryValue(
        "SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND COMMAND = 'Query' "
        "AND TIME_MS >= 300 AND ID <> CONNECTION_ID() LIMIT 1",
        &v);
    if (s.ok() && v) running = *v;
    else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    finished = !migrate->running();
  }
  watcher.reset();
  ASSERT_FALSE(running.empty()) << "no statement ran for 0.3 s before migrate finished; raise BAMORT_RELIABILITY_ROWS";
  std::cout << "[ reliability ] stopping the server during: " << running.substr(0, 120) << std::endl;
  ASSERT_EQ(kill(server, SIGTERM), 0);
  int code = migrate->Wait();
  for (int i = 0; i < 600 && kill(server, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(kill(server, 0), 0) << "the server did not stop";

  EXPECT_TRUE(code == 4 || code == 1) << "exit " << code;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "failed");
  ASSERT_TRUE(rep.error.has_value());
  std::cout << "[ reliability ] migrate exit " << code << ": " << rep.error->message << std::endl;
  EXPECT_TRUE(rep.error->message.find("2013") != std::string::npos ||
              rep.error->message.find("2006") != std::string::npos ||
              rep.error->message.find("1053") != std::string::npos ||
              rep.error->message.find("server") != std::string::npos)
      << rep.error->message;

  // Start the server again with the same command line, detached from this process.
  pid_t starter = fork();
  if (starter == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    std::vector<char*> a;
    for (auto& s : server_argv) a.push_back(s.data());
    a.push_back(nullptr);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execvp(a[0], a.data());
    _exit(127);
  }
  waitpid(starter, nullptr, 0);
  bool up = false;
  for (int i = 0; i < 600 && !up; ++i) {
    up = ServerUp();
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << "the server did not come back";

  ProcessResult st = db.Job("status", {"--json"});
  Poco::JSON::Object::Ptr sj = ParseObject(st.out);
  std::string state = sj->getValue<std::string>("state");
  std::cout << "[ reliability ] after restart: state " << state << std::endl;
  if (code == 4) {
    EXPECT_EQ(state, "dirty") << st.out;
  } else {
    EXPECT_NE(state, "dirty") << st.out;
  }
  if (state == "dirty") {
    ASSERT_EQ(db.Job("migrate", {"--repair"}).exit_code, 0);
  }
  ProcessResult again = db.Job("migrate");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(db.Job("status").exit_code, 0);
  std::vector<std::string> schema = db.SchemaSignature();
  EXPECT_TRUE(Missing(schema, clean.schema).empty() && Missing(clean.schema, schema).empty());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_wealth"), skills);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_wealth WHERE id > 1000000 AND goldstuecke <> (id - 1000000) MOD 100"), 0)
      << "the money merge must end with the umlaut values in every row";
}

// ---------------------------------------------------------------------------------------
// 8. The fuzz corpus and every input that once crashed a harness, replayed without clang.

TEST(FuzzCorpus, EveryStoredInputRunsThroughItsHarnessWithoutCrashing) {
  const std::map<std::string, void (*)(const uint8_t*, size_t)> harnesses = {
      {"masterdata", fuzz::FuzzMasterData}, {"package", fuzz::FuzzPackage},
      {"database_url", fuzz::FuzzDatabaseUrl}, {"report", fuzz::FuzzReport},
      {"sql_splitter", fuzz::FuzzSqlSplitter}};
  int inputs = 0;
  for (const auto& [target, harness] : harnesses) {
    for (const char* kind : {"corpus", "regressions"}) {
      std::string dir = SourcePath(std::string("tests/fuzz/") + kind + "/" + target);
      for (const std::string& name : DirEntries(dir)) {
        std::string data;
        ASSERT_TRUE(ReadFileToString(dir + "/" + name, &data).ok());
        SCOPED_TRACE(dir + "/" + name);
        harness(reinterpret_cast<const uint8_t*>(data.data()), data.size());
        ++inputs;
      }
    }
  }
  EXPECT_GT(inputs, 10);
}

// Found by scripts/fuzz.sh (report target, UBSan): a time far outside 1970..2262 made
// ParseRfc3339 overflow the nanosecond clock (signed integer overflow). Such times and
// out-of-range fields are now refused.
TEST(FuzzRegressions, ReportTimesOutsideTheClockRangeAreRefused) {
  SystemTime t;
  EXPECT_TRUE(ParseRfc3339("2026-11-25T06:46:09Z", &t));
  EXPECT_TRUE(ParseRfc3339("2026-11-25T06:46:09.123Z", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-11-25T06:46:09.123Z");
  for (const char* bad : {"1013-11-25T06:46:09Z", "9999-01-01T00:00:00Z", "-999-01-01T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-01T24:00:00Z",
                          "2026-01-01T00:60:00Z", "2026-01-01T00:00:00.-12Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
  std::string crash;
  ASSERT_TRUE(ReadFileToString(SourcePath("tests/fuzz/regressions/report/year-1013-clock-overflow"), &crash).ok());
  StepReport report;
  Status s = ParseReport(crash, "crash input", &report);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("started_at"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace bamort
