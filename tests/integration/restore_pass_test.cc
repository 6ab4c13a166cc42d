// bamort-restore's one read before the drop (issue 18 item 4, restore_read.h): a dump
// damaged midway and a dump whose rows differ from the manifest under a matching sha256
// are both refused before anything is dropped. And two review leftovers: a transaction
// that starts after the restore's blocker check is named when the drops give up, and a
// restore killed after its comparison leaves a mark the next run only checks and clears.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "backup/gzip_file.h"
#include "backup/restore.h"
#include "common/env.h"
#include "common/file_io.h"
#include "db/operation_mark.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort::testing {
namespace {

void MakeObjects(Connection* c) {
  ASSERT_TRUE(c->Execute("CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(40))").ok());
  ASSERT_TRUE(c->Execute("CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, "
                         "FOREIGN KEY (parent_id) REFERENCES parent (id))").ok());
  ASSERT_TRUE(c->Execute("INSERT INTO parent VALUES (1, 'Jörg'), (2, 'Anna'), (3, NULL)").ok());
  ASSERT_TRUE(c->Execute("INSERT INTO child VALUES (1, 1), (2, 1), (3, 2), (4, NULL)").ok());
  ASSERT_TRUE(c->Execute("CREATE VIEW parent_names AS SELECT name FROM parent").ok());
}

// The one set in a fresh folder, made by bamort-backup; "" on failure.
std::string BackUp(const ScratchDatabase& db) {
  std::string out = NewTempDir("rp-out");
  ProcessResult r = db.Job("backup", {"--out-dir", out, "--no-retention"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  Poco::File(out).list(names);
  for (const std::string& n : names) {
    if (Poco::File(out + "/" + n + "/manifest.json").exists()) return out + "/" + n;
  }
  return "";
}

void ChangeAfterBackup(const ScratchDatabase& db) {
  auto c = db.Connect();
  ASSERT_TRUE(c->Execute("INSERT INTO parent VALUES (4, 'after the backup')").ok());
  ASSERT_TRUE(c->Execute("CREATE TABLE after_backup (x INT)").ok());
}

std::string Gunzip(const std::string& path) {
  std::string text;
  EXPECT_TRUE(ReadGzipFile(path, [&](std::string_view d) {
                text.append(d);
                return Status::Ok();
              }).ok());
  return text;
}

// Rewrites file of the set with `text` (gzip) and puts its new sha256 and size into the
// manifest: a set whose sha256 matches but whose content was changed.
void ReplaceFileKeepingTheManifestConsistent(const std::string& set, const std::string& file, const std::string& text) {
  Poco::File(set + "/" + file).remove();
  GzipFileWriter w;
  ASSERT_TRUE(w.Open(set + "/" + file).ok());
  ASSERT_TRUE(w.Write(text).ok());
  ASSERT_TRUE(w.Finish().ok());
  std::string manifest;
  ASSERT_TRUE(ReadFileToString(set + "/manifest.json", &manifest).ok());
  Poco::JSON::Parser parser;
  auto o = parser.parse(manifest).extract<Poco::JSON::Object::Ptr>();
  auto files = o->getArray("files");
  for (size_t i = 0; i < files->size(); ++i) {
    auto f = files->getObject(i);
    if (f->getValue<std::string>("name") != file) continue;
    f->set("sha256", w.sha256());
    f->set("size", w.compressed_bytes());
  }
  std::ostringstream ss;
  Poco::JSON::Stringifier::stringify(o, ss, 2);
  ASSERT_TRUE(WriteFileAtomic(set + "/manifest.json", ss.str(), 0600).ok());
}

// The real system, except that reaching the fault point `point` runs `action`.
class FaultPointEnv : public EnvWrapper {
 public:
  FaultPointEnv(const char* point, std::function<void()> action)
      : EnvWrapper(Env::Default()), point_(point), action_(std::move(action)) {}
  void FaultPoint(const char* name) override {
    if (point_ == name) action_();
  }

 private:
  std::string point_;
  std::function<void()> action_;
};

RestoreDeps DepsFor(const ScratchDatabase& db) {
  RestoreDeps deps;
  deps.config = db.config();
  return deps;
}

TEST(RestorePass, DumpCorruptedMidwayIsRefusedBeforeAnythingIsDroppedNamingTheFile) {
  ScratchDatabase db("rp_corrupt");
  // The real Bamort data makes a dump of several MB, so "midway" is deep inside the data.
  std::string fixture = RealFixture("legacy-init00.sql");
  if (fixture.empty()) {
    MakeObjects(db.Connect().get());
  } else {
    db.LoadSqlFile(fixture);
  }
  std::string set = BackUp(db);
  ASSERT_FALSE(set.empty());
  const std::string dump = set + "/dump.sql.gz";
  const uint64_t size = Poco::File(dump).getSize();
  {
    std::fstream f(dump, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::string garbage(std::min<uint64_t>(4096, size / 4), '\x55');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  { auto c = db.Connect(); ASSERT_TRUE(c->Execute("CREATE TABLE after_backup (x INT)").ok()); }
  const auto before = db.TableChecksums();
  std::string report_path = NewTempDir("rp-rep") + "/restore.json";
  ProcessResult r = db.Job("restore", {"--backup", set, "--report", report_path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is damaged: dump.sql.gz: sha256 "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(corrupt)"), std::string::npos) << r.err;
  EXPECT_EQ(db.TableChecksums(), before) << "the database was touched";
  StepReport report;
  ASSERT_TRUE(ReadReport(report_path, &report).ok());
  EXPECT_FALSE(report.details->has("dropped_before_restore"));
  // The other file of the set is intact: the JSON restore works, warning about the dump.
  ProcessResult json = db.Job("restore", {"--backup", set, "--from", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.err.find("not used for this restore is damaged: dump.sql.gz"), std::string::npos) << json.err;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                     "TABLE_NAME = 'after_backup'"),
            0);
}

TEST(RestorePass, DumpWhoseRowsDifferUnderAMatchingSha256IsRefusedBeforeTheDrop) {
  ScratchDatabase db("rp_rows");
  MakeObjects(db.Connect().get());
  std::string set = BackUp(db);
  ASSERT_FALSE(set.empty());
  std::string text = Gunzip(set + "/dump.sql.gz");
  // mariadb-dump writes one tuple per line: "INSERT INTO `child` VALUES\n(4,NULL),\n(1,1),\n...".
  const std::string tuple = "INSERT INTO `child` VALUES\n(4,NULL),\n";
  size_t at = text.find(tuple);
  ASSERT_NE(at, std::string::npos) << "the dump's child data has changed shape";
  text.replace(at, tuple.size(), "INSERT INTO `child` VALUES\n");
  ReplaceFileKeepingTheManifestConsistent(set, "dump.sql.gz", text);
  ChangeAfterBackup(db);
  const auto before = db.TableChecksums();
  for (bool dry : {true, false}) {
    std::vector<std::string> args = {"--backup", set};
    if (dry) args.push_back("--dry-run");
    ProcessResult r = db.Job("restore", args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("sha256 all equal"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("table child: 3 rows in dump.sql.gz, the manifest says 4"), std::string::npos) << r.err;
    EXPECT_EQ(db.TableChecksums(), before) << "the database was touched";
  }
}

// 3(a): the blocker check passed, then an application transaction read a table: the
// drops give up after the bounded wait and the error names that connection.
TEST(RestorePass, TransactionStartedAfterTheBlockerCheckIsNamedWhenTheDropsGiveUp) {
  ScratchDatabase db("rp_blocker");
  MakeObjects(db.Connect().get());
  const auto original = db.TableChecksums();
  std::string set = BackUp(db);
  ASSERT_FALSE(set.empty());
  auto app = db.Connect();
  Value id;
  ASSERT_TRUE(app->QueryValue("SELECT CONNECTION_ID()", &id).ok());
  RestoreOptions o;
  o.backup = set;
  o.lock_wait.wait_seconds = 1;
  o.lock_wait.retries = 1;
  o.lock_wait.pause_ms = 100;
  RestoreDeps deps = DepsFor(db);
  FaultPointEnv env(kFaultRestoreBeforeDrop, [&] {
    ASSERT_TRUE(app->Execute("START TRANSACTION").ok());
    ResultSet rs;
    ASSERT_TRUE(app->Query("SELECT * FROM parent", &rs).ok());
    ASSERT_TRUE(app->Query("SELECT * FROM child", &rs).ok());
  });
  deps.env = &env;
  RestoreResult result;
  Status s = RestoreBackupSet(o, deps, &result);
  EXPECT_EQ(s.code(), StatusCode::kDirty) << s.ToString();
  EXPECT_NE(s.message().find("gave up waiting for a lock after 2 attempts"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("blocked by: connection " + *id), std::string::npos) << s.ToString();
  EXPECT_NE(s.hint().find("KILL " + *id), std::string::npos) << s.ToString();
  ASSERT_TRUE(app->Execute("ROLLBACK").ok());
  // The way out: the restore again, now that the transaction has ended.
  ProcessResult again = db.Job("restore", {"--backup", set});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(db.TableChecksums(), original);
}

// Runs the restore in a child process that SIGKILLs itself at `point`.
void RestoreKilledAt(const ScratchDatabase& db, const std::string& set, const char* point) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    RestoreOptions o;
    o.backup = set;
    RestoreDeps deps = DepsFor(db);
    FaultPointEnv env(point, [] { ::raise(SIGKILL); });
    deps.env = &env;
    RestoreResult result;
    RestoreBackupSet(o, deps, &result).ok();
    ::_exit(0);  // not killed: the fault point was never reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the restore was not killed at " << point;
}

// details.phases_ms's names in the order the report file lists them; each ms >= 0.
std::vector<std::string> PhaseNames(const std::string& report_path) {
  std::vector<std::string> names;
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(/*preserveObjectOrder=*/true));
  Poco::JSON::Object::Ptr report = parser.parse(ReadWholeFile(report_path)).extract<Poco::JSON::Object::Ptr>();
  Poco::JSON::Object::Ptr details = report->getObject("details");
  Poco::JSON::Object::Ptr phases = details ? details->getObject("phases_ms") : nullptr;
  EXPECT_TRUE(phases) << "no details.phases_ms in " << report_path;
  if (!phases) return names;
  phases->getNames(names);
  for (const std::string& name : names) EXPECT_GE(phases->getValue<int64_t>(name), 0) << name;
  return names;
}

std::optional<OperationMark> MarkOf(const ScratchDatabase& db) {
  std::optional<OperationMark> mark;
  auto c = db.Connect();
  EXPECT_TRUE(ReadOperationMark(c.get(), db.name(), &mark).ok());
  return mark;
}

// 3(b): killed between the comparison and the drop of its mark, the database holds the
// whole set and is still marked; the next run of the same restore checks and clears.
TEST(RestorePass, KillAfterTheComparisonLeavesAMarkTheNextRunOnlyChecksAndClears) {
  ScratchDatabase db("rp_killed");
  MakeObjects(db.Connect().get());
  const auto original = db.TableChecksums();
  std::string set = BackUp(db);
  ASSERT_FALSE(set.empty());
  ChangeAfterBackup(db);
  RestoreKilledAt(db, set, kFaultRestoreAfterCompare);
  std::optional<OperationMark> mark = MarkOf(db);
  ASSERT_TRUE(mark.has_value()) << "the kill left no mark";
  EXPECT_EQ(mark->operation, "restore");
  EXPECT_EQ(mark->run_id, kRestoreComparedMark);
  ProcessResult status = db.Job("status");
  EXPECT_EQ(status.exit_code, 3) << status.out << status.err;
  EXPECT_NE((status.out + status.err).find("bamort-restore --backup"), std::string::npos) << status.out << status.err;

  const std::string report_path = NewTempDir("rp-rep") + "/restore.json";
  ProcessResult again = db.Job("restore", {"--backup", set, "--report", report_path});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("interrupted after its comparison"), std::string::npos) << again.err;
  EXPECT_EQ(again.err.find("emptied"), std::string::npos) << "reloaded although it was complete: " << again.err;
  EXPECT_FALSE(MarkOf(db).has_value());
  EXPECT_EQ(db.TableChecksums(), original);
  StepReport finished = ReadReportOrFail(report_path);
  EXPECT_TRUE(finished.details->getValue<bool>("finished_earlier_run"));
  EXPECT_FALSE(finished.details->has("load_chunks"));
  EXPECT_EQ(PhaseNames(report_path), (std::vector<std::string>{"read_and_check", "compare_earlier_run", "clear_mark"}));

  // Killed the same way, then changed (the mark did not keep someone from writing): the
  // next run finds the difference and restores the set in full.
  RestoreKilledAt(db, set, kFaultRestoreAfterCompare);
  { auto c = db.Connect(); ASSERT_TRUE(c->Execute("DELETE FROM child WHERE id = 4").ok()); }
  ProcessResult full = db.Job("restore", {"--backup", set, "--report", report_path});
  EXPECT_EQ(full.exit_code, 0) << full.err;
  EXPECT_NE(full.err.find("differs from the manifest now"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("emptied"), std::string::npos) << full.err;
  EXPECT_FALSE(MarkOf(db).has_value());
  EXPECT_EQ(db.TableChecksums(), original);
  StepReport restored = ReadReportOrFail(report_path);
  EXPECT_FALSE(restored.details->getValue<bool>("finished_earlier_run"));
  EXPECT_GT(restored.details->getValue<uint64_t>("load_chunks"), 0u);
  // The earlier run's state is compared first, then the restore runs in full.
  EXPECT_EQ(PhaseNames(report_path),
            (std::vector<std::string>{"read_and_check", "compare_earlier_run", "target_checks", "drop", "load_schema_and_data",
                                      "load_triggers", "load_reader_waited", "compare", "clear_mark"}));
}

}  // namespace
}  // namespace bamort::testing
