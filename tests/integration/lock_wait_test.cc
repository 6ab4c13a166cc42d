// Lock waits and child processes (issue 19, items 1, 4 and 9; docs/RELIABILITY.md): an
// open application transaction on a table a migration alters or a restore drops makes
// the job give way after a bounded wait, name the blocking connection and stop cleanly,
// while the application's own SELECTs keep being answered; bamort-rollback during a running
// migrate says so; the mariadb clients of a killed backup or restore die with it and leave
// no defaults file with the password behind.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include "common/file_io.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::BackgroundProcess;
using testing::BinaryPath;
using testing::DatabaseUser;
using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;

std::string Work(const std::string& tag) {
  static int n = 0;
  std::string dir = ::testing::TempDir() + "/lockwait-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "-" + tag;
  if (Poco::File(dir).exists()) Poco::File(dir).remove(true);
  EXPECT_TRUE(MakeDirs(dir).ok());
  return dir;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  if (!Poco::File(dir).exists()) return out;
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) out.push_back(it.name());
  return out;
}

// migrations/ plus a migration 0013 (version 0.5.1) made of `up` (statements separated by
// ";\n"); its down drops the probe column again.
std::string MigrationsWithProbe(const std::string& up) {
  std::string dir = Work("migrations");
  std::string src = SourcePath("migrations");
  for (const std::string& name : DirEntries(src)) {
    std::string text;
    EXPECT_TRUE(ReadFileToString(src + "/" + name, &text).ok());
    std::ofstream(dir + "/" + name) << text;
  }
  std::ofstream(dir + "/0013_lock_probe.sql") << "-- version: 0.5.1\n-- description: lock probe\n-- +up\n"
                                              << up << ";\n-- +down\n"
                                              << "ALTER TABLE gsm_spells DROP COLUMN IF EXISTS lock_probe;\n";
  return dir;
}

constexpr const char* kAlterSpells = "ALTER TABLE gsm_spells ADD COLUMN IF NOT EXISTS lock_probe INT NULL";

// An application connection inside a transaction that has read gsm_spells: it holds a
// shared metadata lock on the table until it ends.
std::unique_ptr<Connection> OpenReader(const DbConfig& config) {
  std::unique_ptr<Connection> c;
  Status s = Connection::Open(config, &c);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(c->Execute("START TRANSACTION").ok());
  Value v;
  EXPECT_TRUE(c->QueryValue("SELECT COUNT(*) FROM gsm_spells", &v).ok());
  return c;
}

struct AppReads {
  int answered_while_job_ran = 0;
  std::string failure;  // a SELECT that failed (it waited out its own 60 s lock wait)
};

// Plain SELECTs of the application on `table` from a third connection, one after another,
// until the job ends. With the job queueing everything behind its DDL for as long as the
// blocker lives, none would be answered before the job ends.
AppReads ReadWhileRunning(const DbConfig& config, const std::string& table, BackgroundProcess* job) {
  AppReads r;
  std::unique_ptr<Connection> app;
  Status s = Connection::Open(config, &app);
  if (s.ok()) s = app->Execute("SET SESSION lock_wait_timeout = 60");
  while (s.ok() && job->running()) {
    Value v;
    s = app->QueryValue("SELECT COUNT(*) FROM " + table, &v);
    if (s.ok() && job->running()) ++r.answered_while_job_ran;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!s.ok()) r.failure = s.ToString();
  return r;
}

DbConfig AsUser(const ScratchDatabase& db, const DatabaseUser& user) {
  DbConfig c = db.config();
  c.user = user.name();
  c.password = user.password();
  return c;
}

void MigrateGivesWay(bool as_image_user) {
  ScratchDatabase db(as_image_user ? "lw_user" : "lw_root");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::unique_ptr<DatabaseUser> user;
  std::map<std::string, std::string> env = {{"BAMORT_DB_NAME", db.name()}};
  DbConfig app_config = db.config();
  if (as_image_user) {  // ALL ON <db>.*, no PROCESS: the blocker is found in the processlist
    user = std::make_unique<DatabaseUser>(db, "ALL PRIVILEGES");
    for (const auto& [k, v] : user->env()) env[k] = v;
    app_config = AsUser(db, *user);
  }
  std::string dir = MigrationsWithProbe(kAlterSpells);
  auto blocker = OpenReader(app_config);
  BackgroundProcess migrate(
      {BinaryPath("migrate"), "--migrations-dir", dir, "--ddl-lock-wait", "1", "--ddl-retries", "2"}, env);
  AppReads reads = ReadWhileRunning(app_config, "gsm_spells", &migrate);
  EXPECT_TRUE(blocker->Execute("COMMIT").ok());
  int code = migrate.Wait();

  EXPECT_EQ(code, 1) << "a DDL that gave up changed nothing: exit 1\n" << migrate.err();
  EXPECT_TRUE(reads.failure.empty()) << reads.failure;
  EXPECT_GT(reads.answered_while_job_ran, 0) << "the application's SELECTs queued behind the migration";
  const std::string id = "connection " + std::to_string(blocker->connection_id());
  EXPECT_NE(migrate.err().find(id), std::string::npos) << "the blocker is not named:\n" << migrate.err();
  EXPECT_NE(migrate.err().find("KILL " + std::to_string(blocker->connection_id())), std::string::npos)
      << migrate.err();
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM migration_history WHERE migration_number = 13"), 0)
      << "no record of migration 13, dirty or otherwise";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                     "COLUMN_NAME = 'lock_probe'"),
            0);
  ProcessResult status = db.Job("status", {"--migrations-dir", dir, "--json"}, env);
  EXPECT_EQ(status.exit_code, 3) << status.out;  // behind, not dirty
  try {
    auto json = Poco::JSON::Parser().parse(status.out).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getValue<std::string>("state"), "behind") << status.out;
    EXPECT_TRUE(json->get("dirty").isEmpty()) << status.out;
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << ": " << status.out;
  }
  // Once the transaction has ended the same migrate goes through.
  ProcessResult again = db.Job("migrate", {"--migrations-dir", dir, "--ddl-lock-wait", "1"}, env);
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST(LockWait, MigrateGivesWayToAnOpenTransactionAndNamesIt) { MigrateGivesWay(false); }

TEST(LockWait, MigrateAsTheImageUserNamesTheBlockerFromTheProcessList) { MigrateGivesWay(true); }

// After a committed statement of the same migration the record stays dirty, naming the
// lock wait (errno 1205), and --repair then migrate finishes it.
TEST(LockWait, MigrateStoppedAfterACommittedStatementLeavesADirtyRecordNamingTheWait) {
  ScratchDatabase db("lw_dirty");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string dir = MigrationsWithProbe("CREATE TABLE IF NOT EXISTS lock_probe_t (id INT PRIMARY KEY);\n" +
                                        std::string(kAlterSpells));
  auto blocker = OpenReader(db.config());
  ProcessResult r = db.Job("migrate", {"--migrations-dir", dir, "--ddl-lock-wait", "1", "--ddl-retries", "0"});
  EXPECT_TRUE(blocker->Execute("COMMIT").ok());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(db.Scalar("SELECT error_errno FROM migration_history WHERE migration_number = 13"), "1205");
  EXPECT_EQ(db.Scalar("SELECT statements_done FROM migration_history WHERE migration_number = 13"), "1");
  EXPECT_NE(r.err.find("--repair"), std::string::npos) << r.err;
  EXPECT_EQ(db.Job("migrate", {"--migrations-dir", dir, "--repair"}).exit_code, 0);
  EXPECT_EQ(db.Job("migrate", {"--migrations-dir", dir}).exit_code, 0);
}

// Waits (bounded) until some connection of the server waits for a metadata lock.
bool SomeoneWaitsForAMetadataLock(const ScratchDatabase& db) {
  for (int i = 0; i < 600; ++i) {
    if (db.Count("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table metadata%'") >
        0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(LockWait, RollbackDuringARunningMigrateSaysAMigrationIsRunning) {
  ScratchDatabase db("lw_rollback");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string dir = MigrationsWithProbe(kAlterSpells);
  auto blocker = OpenReader(db.config());
  BackgroundProcess migrate({BinaryPath("migrate"), "--migrations-dir", dir, "--ddl-lock-wait", "120"},
                            {{"BAMORT_DB_NAME", db.name()}});
  ASSERT_TRUE(SomeoneWaitsForAMetadataLock(db)) << migrate.err();
  ProcessResult rollback = db.Job("rollback", {"--migrations-dir", dir, "--steps", "1", "--lock-timeout", "0"});
  EXPECT_TRUE(blocker->Execute("COMMIT").ok());
  EXPECT_EQ(migrate.Wait(), 0) << migrate.err();
  EXPECT_EQ(rollback.exit_code, 3) << rollback.err;
  EXPECT_NE(rollback.err.find("a migration is running"), std::string::npos) << rollback.err;
  EXPECT_EQ(rollback.err.find("restore the pre-deploy backup"), std::string::npos) << rollback.err;
}

void FillTable(const ScratchDatabase& db, int rows) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE filler (id INT PRIMARY KEY, h CHAR(64), g CHAR(64))").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO filler SELECT seq, SHA2(RAND(), 256), SHA2(RAND(), 256) FROM seq_1_to_" +
                            std::to_string(rows))
                  .ok());
}

// The only complete set in out.
std::string OnlySet(const std::string& out) {
  std::string set;
  for (const std::string& n : DirEntries(out)) {
    if (Poco::File(out + "/" + n + "/manifest.json").exists()) set = out + "/" + n;
  }
  return set;
}

TEST(LockWait, RestoreGivesWayBeforeDroppingAnythingAndNamesTheBlocker) {
  ScratchDatabase db("lw_restore");
  FillTable(db, 1000);
  std::string out = Work("sets");
  ProcessResult made = db.Job("backup", {"--out-dir", out, "--no-retention"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string set = OnlySet(out);
  ASSERT_FALSE(set.empty());
  auto before = db.TableChecksums();
  std::unique_ptr<Connection> blocker = db.Connect();
  ASSERT_TRUE(blocker->Execute("START TRANSACTION").ok());
  Value v;
  ASSERT_TRUE(blocker->QueryValue("SELECT COUNT(*) FROM filler", &v).ok());
  BackgroundProcess restore(
      {BinaryPath("restore"), "--backup", set, "--ddl-lock-wait", "1", "--ddl-retries", "2"},
      {{"BAMORT_DB_NAME", db.name()}});
  AppReads reads = ReadWhileRunning(db.config(), "filler", &restore);
  EXPECT_TRUE(blocker->Execute("COMMIT").ok());
  EXPECT_EQ(restore.Wait(), 1) << "stopped before the first destructive statement: exit 1\n" << restore.err();
  EXPECT_TRUE(reads.failure.empty()) << reads.failure;
  EXPECT_GT(reads.answered_while_job_ran, 0) << "the application's SELECTs queued behind the restore";
  EXPECT_NE(restore.err().find("connection " + std::to_string(blocker->connection_id())), std::string::npos)
      << restore.err();
  EXPECT_EQ(db.TableChecksums(), before) << "the database must be unchanged (no table dropped, no mark)";
  ProcessResult again = db.Job("restore", {"--backup", set});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// ---------------------------------------------------------------------------------------
// The mariadb clients die with their job; no file with the password outlives it.

std::vector<std::string> ReadNulSeparated(const std::string& path) {
  std::string text;
  ReadFileToString(path, &text);
  std::vector<std::string> out;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Live processes (not this one) whose environment holds marker ("TMPDIR=<dir>") and whose
// argv[0] is program (any program when empty).
std::vector<pid_t> ProcessesWith(const std::string& marker, const std::string& program = "") {
  std::vector<pid_t> out;
  for (const std::string& p : DirEntries("/proc")) {
    if (p.find_first_not_of("0123456789") != std::string::npos || std::stol(p) == getpid()) continue;
    std::vector<std::string> env = ReadNulSeparated("/proc/" + p + "/environ");
    if (std::find(env.begin(), env.end(), marker) == env.end()) continue;
    std::vector<std::string> argv = ReadNulSeparated("/proc/" + p + "/cmdline");
    if (program.empty() || (!argv.empty() && argv[0] == program)) out.push_back(static_cast<pid_t>(std::stol(p)));
  }
  return out;
}

// Waits (bounded) for the job's client child to appear and stops it (SIGSTOP): a stopped
// client never ends by itself, so only a kill tied to its parent's death ends it. Returns
// its pid, 0 when the job logged started_line first without such a child (a load that runs
// in the job itself), -1 when the job ended first.
pid_t StopClientChild(const std::string& marker, const std::string& program, BackgroundProcess* job,
                      const std::string& started_line = "") {
  for (int i = 0; i < 20000 && job->running(); ++i) {
    std::vector<pid_t> found = ProcessesWith(marker, program);
    if (!found.empty()) {
      kill(found.front(), SIGSTOP);
      return found.front();
    }
    if (!started_line.empty() && job->err().find(started_line) != std::string::npos) return 0;
  }
  return -1;
}

// After kill -9 of the job: no process of it is left (waited for, bounded), and its TMPDIR
// holds no client folder and no file with the password.
void ExpectNothingLeft(const std::string& tmp, const std::string& marker, const std::string& password) {
  std::vector<pid_t> left;
  for (int i = 0; i < 100; ++i) {
    left = ProcessesWith(marker);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the killed job still run, e.g. pid " << left.front();
  for (pid_t p : left) kill(p, SIGKILL);
  for (const std::string& n : DirEntries(tmp)) {
    EXPECT_NE(n.rfind("bamort-client-", 0), 0u) << "left in TMPDIR: " << n;
    std::string text;
    if (Poco::File(tmp + "/" + n).isFile() && ReadFileToString(tmp + "/" + n, &text).ok()) {
      EXPECT_EQ(text.find(password), std::string::npos) << tmp << "/" << n << " holds the password";
    }
  }
}

TEST(ClientChildren, KilledBackupLeavesNoDumpRunningAndNoPasswordFile) {
  ScratchDatabase db("cc_backup");
  FillTable(db, 100000);
  DatabaseUser user(db, "ALL PRIVILEGES");
  std::string tmp = Work("tmp"), out = Work("sets");
  std::map<std::string, std::string> env = user.env();
  env["BAMORT_DB_NAME"] = db.name();
  env["TMPDIR"] = tmp;
  const std::string marker = "TMPDIR=" + tmp;
  BackgroundProcess backup({BinaryPath("backup"), "--out-dir", out, "--no-retention"}, env);
  pid_t child = StopClientChild(marker, "mariadb-dump", &backup);
  ASSERT_GT(child, 0) << "mariadb-dump was not seen; the backup ended first:\n" << backup.err();
  EXPECT_EQ(backup.Kill(SIGKILL), 128 + SIGKILL);
  ExpectNothingLeft(tmp, marker, user.password());
}

TEST(ClientChildren, KilledRestoreLeavesNoClientLoadingAndNoPasswordFile) {
  ScratchDatabase db("cc_restore");
  FillTable(db, 100000);
  DatabaseUser user(db, "ALL PRIVILEGES");
  std::string tmp = Work("tmp"), out = Work("sets");
  std::map<std::string, std::string> env = user.env();
  env["BAMORT_DB_NAME"] = db.name();
  ProcessResult made = db.Job("backup", {"--out-dir", out, "--no-retention"}, env);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string set = OnlySet(out);
  ASSERT_FALSE(set.empty());
  env["TMPDIR"] = tmp;
  const std::string marker = "TMPDIR=" + tmp;
  BackgroundProcess restore({BinaryPath("restore"), "--backup", set}, env);
  // The load through a mariadb client (stopped), or the restore's own loader.
  pid_t child = StopClientChild(marker, "mariadb", &restore, "; loading sql from");
  ASSERT_GE(child, 0) << "the load was not seen; the restore ended first:\n" << restore.err();
  EXPECT_EQ(restore.Kill(SIGKILL), 128 + SIGKILL);
  ExpectNothingLeft(tmp, marker, user.password());
}

}  // namespace
}  // namespace bamort
