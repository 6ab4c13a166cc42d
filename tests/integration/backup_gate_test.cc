// Issue 19, item 6a: bamort-migrate --require-backup checks the thing, not the paper. A
// real bamort-backup report is taken, then the set or the report is tampered with the way
// the issue found them accepted: the set deleted, the dump damaged, the report dated 2199,
// exit_code 1 beside status ok, "status" twice, a report still "running", a report whose
// created_at is not its set's. Each is refused (exit 3, or 2 for a malformed report) with
// a message naming the report and what is wrong, and the database is left as it was.
#include <fstream>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/file_io.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;

struct Gate {
  std::unique_ptr<ScratchDatabase> db;
  std::string work, report_text, set;
  std::map<std::string, std::string> checksums;
};

// A legacy database (12 migrations pending) and an ok report of its backup.
Gate& Fixture() {
  static Gate g = [] {
    Gate r;
    r.db = std::make_unique<ScratchDatabase>("gate");
    r.db->LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
    r.work = ::testing::TempDir() + "/gate-" + std::to_string(::getpid());
    if (Poco::File(r.work).exists()) Poco::File(r.work).remove(true);
    EXPECT_TRUE(MakeDirs(r.work).ok());
    ProcessResult b = r.db->Job("backup", {"--out-dir", r.work + "/sets", "--no-retention", "--report",
                                           r.work + "/backup.json"});
    EXPECT_EQ(b.exit_code, 0) << b.err;
    EXPECT_TRUE(ReadFileToString(r.work + "/backup.json", &r.report_text).ok());
    StepReport report;
    EXPECT_TRUE(ParseReport(r.report_text, "backup.json", &report).ok());
    r.set = report.outputs->optValue<std::string>("backup_set", "");
    r.checksums = r.db->TableChecksums();
    return r;
  }();
  return g;
}

Poco::JSON::Object::Ptr ReportJson() {
  return Poco::JSON::Parser().parse(Fixture().report_text).extract<Poco::JSON::Object::Ptr>();
}

std::string Text(const Poco::JSON::Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out, 2);
  return out.str();
}

// Runs migrate with the report text as --require-backup; expects the exit code and the
// report's path and `what` in the message, and no change to the database.
void ExpectRefused(const std::string& name, const std::string& report_text, int exit_code, const std::string& what) {
  Gate& g = Fixture();
  std::string path = g.work + "/" + name + ".json";
  ASSERT_TRUE(WriteFileAtomic(path, report_text, 0600).ok());
  ProcessResult r = g.db->Job("migrate", {"--require-backup", path});
  EXPECT_EQ(r.exit_code, exit_code) << name << ": " << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << name << ": the message names the report: " << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << name << ": " << r.err;
  EXPECT_EQ(g.db->TableChecksums(), g.checksums) << name << ": the database must be unchanged";
}

TEST(BackupGate, ReportFromTheFutureIsRefused) {
  auto o = ReportJson();
  o->set("finished_at", "2199-01-01T00:00:00.000Z");
  ExpectRefused("future", Text(o), 3, "in the future");
}

TEST(BackupGate, FailingExitCodeBesideStatusOkIsRefused) {
  auto o = ReportJson();
  o->set("exit_code", 1);
  ExpectRefused("exit1", Text(o), 3, "exit_code 1");
}

TEST(BackupGate, DuplicateStatusKeysAreAMalformedReport) {
  std::string text = Fixture().report_text;
  size_t brace = text.find('{');
  ASSERT_NE(brace, std::string::npos);
  // Poco keeps the last "status" (ok): the file says failed first.
  text.insert(brace + 1, "\n  \"status\": \"failed\",");
  ExpectRefused("duplicate", text, 2, "'status' appears more than once");
}

TEST(BackupGate, RunningReportOfAKilledBackupIsRefused) {
  auto o = ReportJson();
  o->set("status", "running");
  ExpectRefused("running", Text(o), 3, "has not finished");
}

TEST(BackupGate, ReportWhoseTimeIsNotItsSetsIsRefused) {
  auto o = ReportJson();
  o->getObject("details")->set("created_at", "2026-01-01T00:00:00.000Z");
  ExpectRefused("othertime", Text(o), 3, "was created at");
}

TEST(BackupGate, ReportWhoseFileListDiffersFromTheManifestIsRefused) {
  auto o = ReportJson();
  auto files = o->getObject("details")->getArray("files");
  ASSERT_TRUE(files && files->size() > 0);
  files->getObject(0)->set("sha256", std::string(64, '0'));
  ExpectRefused("otherfiles", Text(o), 3, "the report says sha256");
}

TEST(BackupGate, DryRunReportNamesNoSetAndIsRefused) {
  auto o = ReportJson();
  o->getObject("outputs")->remove("backup_set");
  ExpectRefused("noset", Text(o), 3, "names no backup set");
}

// Tampering with the set itself last: the tests above need it whole.
TEST(BackupGate, ZDamagedDumpThenDeletedSetAreRefusedAndTheIntactSetIsAccepted) {
  Gate& g = Fixture();
  ASSERT_FALSE(g.set.empty());
  const std::string dump = g.set + "/dump.sql.gz";
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(dump, &bytes).ok());
  std::string damaged = bytes;
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
  ASSERT_TRUE(WriteFileAtomic(dump, damaged, 0600).ok());
  ExpectRefused("damaged", g.report_text, 3, "is damaged: dump.sql.gz");
  ASSERT_TRUE(WriteFileAtomic(dump, bytes, 0600).ok());

  std::string moved = g.set + ".away";
  Poco::File(g.set).renameTo(moved);
  ExpectRefused("deleted", g.report_text, 3, "does not exist");
  Poco::File(moved).renameTo(g.set);

  // The untouched report and set: accepted, and migrate runs.
  std::string path = g.work + "/intact.json";
  ASSERT_TRUE(WriteFileAtomic(path, g.report_text, 0600).ok());
  ProcessResult ok = g.db->Job("migrate", {"--require-backup", path});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("sizes and sha256 as in its manifest"), std::string::npos) << ok.err;
}

}  // namespace
}  // namespace bamort
