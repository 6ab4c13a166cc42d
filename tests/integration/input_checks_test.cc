// Bad input refused before anything is touched (issue 19, items 7, 8 and 9), with the jobs
// and docker/deploy.sh --native as processes against a real MariaDB:
// - a master-data record with a null or wrong-typed key field, a NUL, invalid UTF-8 or a
//   value longer than its column: bamort-import-masterdata exits 2 naming file, record and
//   field (it used to store '' / "123" / the NUL, or exit 1 with MariaDB's message about
//   a temporary table), and no table changes;
// - --check-only finds the same without a database, and deploy.sh runs it before the
//   backup: a malformed package stops the run with exit 2, no backup, no migration;
// - /dev/zero as password file, --source, --backup or --require-backup, and a package
//   entry with a name that is not UTF-8: exit 2 naming the file, the report and the JSON
//   log stay valid UTF-8.
#include <Poco/File.h>

#include "common/file_io.h"
#include "common/utf8.h"
#include "masterdata/document.h"
#include "package/package.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::RunProcess;
using testing::ScratchDatabase;
using testing::SourcePath;
using testing::TempPath;

// The shipped master data as a package, with `edit` applied to the text of one file
// (checksums and metadata.json made to match, as a careless export would be packaged).
std::string Package(const std::string& file, const std::function<void(std::string*)>& edit) {
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  Status s = masterdata::ReadMasterData(SourcePath("masterdata"), &doc, &info);
  EXPECT_TRUE(s.ok()) << s.ToString();
  masterdata::FileSet files = masterdata::RenderDirectory(doc);
  if (!file.empty()) edit(&files.at(file));
  std::string records;
  uint64_t total = 0;
  for (const auto& [name, n] : masterdata::CountRecords(doc)) {
    records += std::string(records.empty() ? "" : ", ") + "\"" + name + "\": " + std::to_string(n);
    total += n;
  }
  std::string meta = "{\"package_format\": 1, \"game_system\": \"" + doc.game_system + "\", \"records\": {" +
                     records + "}, \"total_records\": " + std::to_string(total) + "}\n";
  std::string path = TempPath("pkg.tar.gz");
  s = package::WritePackage(path, files, meta, 0);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

// Replaces the value of the first `"field":"..."` in text by `value` (raw JSON).
std::function<void(std::string*)> SetFirst(const std::string& field, const std::string& value) {
  return [field, value](std::string* text) {
    std::string open = "\"" + field + "\":\"";
    size_t at = text->find(open);
    ASSERT_NE(at, std::string::npos) << field;
    size_t end = text->find('"', at + open.size());
    text->replace(at + open.size() - 1, end - (at + open.size() - 1) + 1, value);
  };
}

std::unique_ptr<ScratchDatabase> Migrated(const std::string& prefix) {
  auto db = std::make_unique<ScratchDatabase>(prefix);
  ProcessResult r = db->Job("migrate");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return db;
}

struct BadCase {
  const char* what;
  const char* file;
  const char* field;
  std::string value;
  std::vector<std::string> expected;  // parts of the message
};

std::vector<BadCase> BadCases() {
  return {
      {"null key", "spells.json", "name", "null", {"spells.json record 1", "field 'name'", "is null", "natural key"}},
      {"null NOT NULL", "sources.json", "name", "null",
       {"sources.json record 1", "(code 'ARK')", "field 'name'", "NOT NULL"}},
      {"number for text", "sources.json", "name", "123", {"sources.json record 1", "field 'name'", "is a number"}},
      {"NUL", "spells.json", "name", "\"Feder\\u0000fall\"", {"spells.json record 1", "field 'name'", "NUL"}},
      {"invalid UTF-8", "sources.json", "code", "\"A\xC3\x28\"",
       {"sources.json record 1", "field 'code'", "not valid UTF-8"}},
      {"overlong UTF-8", "sources.json", "name", "\"Z\xC0\xAF\"", {"sources.json record 1", "field 'name'", "UTF-8"}},
      {"over-long code", "sources.json", "code", "\"ARKANUMXXXL\"",
       {"sources.json record 1", "field 'code'", "11 characters", "gsm_lit_sources.code"}},
  };
}

void ExpectNamed(const ProcessResult& r, const std::vector<std::string>& parts, const std::string& what) {
  EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
  for (const std::string& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << what << ": '" << p << "' in " << r.err;
  EXPECT_EQ(r.err.find("_mu_"), std::string::npos) << what << ": " << r.err;
}

TEST(InputChecksTest, MalformedRecordsAreRefusedWithExit2AndNothingChanges) {
  auto db = Migrated("inchk_import");
  auto before = db->TableChecksums();
  for (const BadCase& c : BadCases()) {
    std::string pkg = Package(c.file, SetFirst(c.field, c.value));
    ProcessResult r = db->Job("import-masterdata", {"--source", pkg});
    ExpectNamed(r, c.expected, c.what);
    ProcessResult check = RunProcess({testing::BinaryPath("import-masterdata"), "--check-only", "--source", pkg});
    ExpectNamed(check, c.expected, std::string(c.what) + " (--check-only)");
  }
  EXPECT_EQ(db->TableChecksums(), before);
  // The unedited package passes the same check and imports.
  std::string good = Package("", nullptr);
  ProcessResult check = RunProcess({testing::BinaryPath("import-masterdata"), "--check-only", "--source", good});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  ProcessResult r = db->Job("import-masterdata", {"--source", good});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(InputChecksTest, CheckOnlyPassesTheRealExportWithoutADatabase) {
  std::string real = testing::RealFixture("export-init00");
  if (real.empty()) GTEST_SKIP() << "../shared/fixtures/export-init00 is absent (set BAMORT_REAL_FIXTURES)";
  std::string report = TempPath("check.json");
  // No database settings at all: the check never connects.
  ProcessResult r = RunProcess({testing::BinaryPath("import-masterdata"), "--check-only", "--source", real,
                                "--report", report},
                               {{"BAMORT_DB_NAME", ""}, {"BAMORT_DB_HOST", "127.0.0.1"}, {"BAMORT_DB_PORT", "1"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "ok");
  EXPECT_NE(r.err.find("records checked"), std::string::npos) << r.err;
}

TEST(InputChecksTest, UnboundedFilesAreRefusedNamingThem) {
  ScratchDatabase db("inchk_zero");
  ProcessResult pw = db.Job("status", {}, {{"BAMORT_DB_PASSWORD_FILE", "/dev/zero"}});
  ExpectNamed(pw, {"/dev/zero", "larger than"}, "password file");
  ProcessResult mpw = db.Job("status", {}, {{"BAMORT_DB_PASSWORD_FILE", ""}, {"MARIADB_PASSWORD_FILE", "/dev/zero"}});
  ExpectNamed(mpw, {"/dev/zero", "larger than"}, "MARIADB_PASSWORD_FILE");
  ProcessResult source = db.Job("import-masterdata", {"--source", "/dev/zero"});
  ExpectNamed(source, {"/dev/zero is not a regular file"}, "--source");
  ProcessResult require = db.Job("migrate", {"--require-backup", "/dev/zero"});
  ExpectNamed(require, {"/dev/zero is larger than"}, "--require-backup");
  ProcessResult backup = db.Job("restore", {"--backup", "/dev/zero"});
  EXPECT_EQ(backup.exit_code, 2) << backup.err;
  EXPECT_NE(backup.err.find("/dev/zero"), std::string::npos) << backup.err;
}

TEST(InputChecksTest, EntryNameThatIsNotUtf8KeepsReportAndJsonLogValid) {
  // GNU tar keeps a name's bytes as they are (libarchive's pax writer would not).
  std::string dir = TempPath("names");
  ASSERT_TRUE(MakeDirs(dir + "/masterdata").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/masterdata/bad\xFF\xFEname.json", "[]").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/metadata.json", "{}").ok());
  std::string pkg = TempPath("names.tar.gz");
  ASSERT_EQ(RunProcess({"/bin/tar", "-czf", pkg, "-C", dir, "masterdata", "metadata.json"}).exit_code, 0);
  std::string report = TempPath("check.json");
  ProcessResult r = RunProcess({testing::BinaryPath("import-masterdata"), "--check-only", "--source", pkg,
                                "--report", report, "--log-format", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("masterdata/bad\\\\xFF\\\\xFEname.json"), std::string::npos) << r.err;
  EXPECT_TRUE(IsValidUtf8(r.err)) << r.err;
  std::string text;
  ASSERT_TRUE(ReadFileToString(report, &text).ok());
  EXPECT_TRUE(IsValidUtf8(text)) << text;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "failed");
}

// deploy.sh --native with a package whose checksums are right but whose spells.json holds
// a record without a name: stopped by the check before the backup, nothing touched.
TEST(InputChecksTest, DeployStopsAMalformedPackageBeforeTheBackup) {
  ScratchDatabase db("inchk_deploy");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  // Behind, with version tables: a deploy that got past the check would back up and migrate.
  ProcessResult part = db.Job("migrate", {"--to-version", "0.4.0"});
  ASSERT_EQ(part.exit_code, 0) << part.err;
  auto before = db.TableChecksums();
  std::string versions = db.Scalar("SELECT CONCAT(COUNT(*), ' ', MAX(version)) FROM schema_version");
  std::string work = TempPath("deploy");
  ASSERT_TRUE(MakeDirs(work).ok());
  std::string pkg = Package("spells.json", SetFirst("name", "null"));
  ProcessResult r = RunProcess({SourcePath("docker/deploy.sh"), "--native", "--bin-dir", std::string(BAMORT_BINARY_DIR),
                                "--reports-root", work + "/reports", "--backup-dir", work + "/backups", "--run-id",
                                "run1", pkg},
                               {{"BAMORT_DB_NAME", db.name()}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("spells.json record 1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("not importable"), std::string::npos) << r.out;
  EXPECT_FALSE(Poco::File(work + "/reports/run1/backup.json").exists());
  EXPECT_FALSE(Poco::File(work + "/reports/run1/migrate.json").exists());
  std::vector<std::string> sets;
  if (Poco::File(work + "/backups").exists()) Poco::File(work + "/backups").list(sets);
  EXPECT_TRUE(sets.empty()) << sets.size() << " entries in the backup folder";
  StepReport check;
  ASSERT_TRUE(ReadReport(work + "/reports/run1/check.json", &check).ok());
  EXPECT_EQ(check.status, "failed");
  EXPECT_EQ(db.Scalar("SELECT CONCAT(COUNT(*), ' ', MAX(version)) FROM schema_version"), versions);
  EXPECT_EQ(db.TableChecksums(), before);
}

}  // namespace
}  // namespace bamort
