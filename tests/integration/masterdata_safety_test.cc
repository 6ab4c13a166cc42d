// Master data cannot overwrite by accident (issue 15, item 4) and the import's dry run tells
// the truth (item 3), with bamort-import-masterdata, -prepare and -init as processes:
// - the shipped sample set (masterdata/, marked "sample" in its export.json) is refused with
//   exit 3 on a database that already holds master data, also as a package and in a dry run,
//   and imported with --overwrite-with-sample-data; bamort-init says it installs the sample;
// - an import that would update or delete more than --max-change-percent of a table's rows
//   (tables of at least 20 rows) is refused with exit 3 naming "would update N of M rows",
//   unless --allow-large-changes;
// - the dry run reports exactly the counts the real import then reports, changes no table
//   (CHECKSUM TABLE), shows a sample of changed fields, and fails where the real import fails,
//   with the same exit code and message.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/file_io.h"
#include "masterdata/document.h"
#include "package/package.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;
using testing::TempPath;

constexpr const char* kSampleFlag = "--overwrite-with-sample-data";
constexpr const char* kLargeFlag = "--allow-large-changes";

std::unique_ptr<ScratchDatabase> Migrated(const std::string& prefix, const std::string& sql = "") {
  auto db = std::make_unique<ScratchDatabase>(prefix);
  if (!sql.empty()) db->LoadSqlFile(sql);
  ProcessResult r = db->Job("migrate");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return db;
}

// One run of bamort-import-masterdata with its report.
struct ImportRun {
  ProcessResult process;
  StepReport report;
};

ImportRun RunImport(const ScratchDatabase& db, const std::string& source, std::vector<std::string> extra = {}) {
  ImportRun run;
  std::string report = TempPath("import.json");
  std::vector<std::string> args = {"--source", source, "--report", report};
  args.insert(args.end(), extra.begin(), extra.end());
  run.process = db.Job("import-masterdata", args);
  Status s = ReadReport(report, &run.report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return run;
}

// entity -> "inserted/updated/unchanged/only_in_database/pruned" of a report.
std::map<std::string, std::string> CountsOf(const StepReport& r) {
  std::map<std::string, std::string> out;
  if (!r.details || !r.details->has("entities")) return out;
  auto a = r.details->getArray("entities");
  for (size_t i = 0; i < a->size(); ++i) {
    auto o = a->getObject(i);
    std::string c;
    for (const char* k : {"in_file", "inserted", "updated", "unchanged", "only_in_database", "pruned"})
      c += std::string(c.empty() ? "" : "/") + std::to_string(o->getValue<int64_t>(k));
    out[o->getValue<std::string>("name")] = c;
  }
  return out;
}

Poco::JSON::Object::Ptr EntityOf(const StepReport& r, const std::string& name) {
  auto a = r.details->getArray("entities");
  for (size_t i = 0; i < a->size(); ++i)
    if (a->getObject(i)->getValue<std::string>("name") == name) return a->getObject(i);
  ADD_FAILURE() << "no entity " << name << " in the report";
  return new Poco::JSON::Object();
}

std::string ErrorMessage(const StepReport& r) { return r.error ? r.error->message : ""; }

void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(WriteFileAtomic(path, text).ok()); }

// ---- the sample set -------------------------------------------------------------------

class SampleSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Migrated("mds_sample");
    ASSERT_EQ(RunImport(*db_, SourcePath("tests/fixtures/export-v1-small")).process.exit_code, 0);
    before_ = db_->TableChecksums();
  }
  std::unique_ptr<ScratchDatabase> db_;
  std::map<std::string, std::string> before_;
};

TEST_F(SampleSetTest, SampleOntoExistingMasterDataIsRefusedAndChangesNothing) {
  ImportRun run = RunImport(*db_, SourcePath("masterdata"));
  EXPECT_EQ(run.process.exit_code, 3) << run.process.err;
  EXPECT_NE(run.process.err.find("sample"), std::string::npos) << run.process.err;
  EXPECT_NE(run.process.err.find(kSampleFlag), std::string::npos) << run.process.err;
  EXPECT_NE(ErrorMessage(run.report).find("gsm_lit_sources (3 rows)"), std::string::npos)
      << "names the tables that hold master data\n" << ErrorMessage(run.report);
  EXPECT_EQ(db_->TableChecksums(), before_);
  ASSERT_TRUE(run.report.details->has("sample"));
  EXPECT_NE(run.report.details->getValue<std::string>("sample").find("Beispieldaten"), std::string::npos);

  // The dry run gives the same verdict.
  ImportRun dry = RunImport(*db_, SourcePath("masterdata"), {"--dry-run"});
  EXPECT_EQ(dry.process.exit_code, 3) << dry.process.err;
  EXPECT_EQ(ErrorMessage(dry.report), ErrorMessage(run.report));
  EXPECT_EQ(db_->TableChecksums(), before_);
}

TEST_F(SampleSetTest, PackageBuiltFromTheSampleCarriesTheMarkerAndIsRefused) {
  std::string pkg = TempPath("sample-package.tar.gz");
  ProcessResult p = testing::RunProcess({testing::BinaryPath("prepare"), "--out", pkg, "--from", SourcePath("masterdata")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  package::PackageContents contents;
  ASSERT_TRUE(package::ReadPackage(pkg, &contents).ok());
  EXPECT_NE(contents.metadata.find("\"sample\""), std::string::npos) << contents.metadata;
  EXPECT_NE(contents.metadata.find("Beispieldaten"), std::string::npos) << contents.metadata;
  ImportRun run = RunImport(*db_, pkg);
  EXPECT_EQ(run.process.exit_code, 3) << run.process.err;
  EXPECT_NE(run.process.err.find(kSampleFlag), std::string::npos) << run.process.err;
  EXPECT_EQ(db_->TableChecksums(), before_);
}

TEST_F(SampleSetTest, SampleWithTheFlagIsImported) {
  ImportRun run = RunImport(*db_, SourcePath("masterdata"), {kSampleFlag});
  ASSERT_EQ(run.process.exit_code, 0) << run.process.err;
  EXPECT_GT(EntityOf(run.report, "skills")->getValue<int64_t>("inserted"), 0);
  EXPECT_NE(db_->TableChecksums(), before_);
  EXPECT_GT(db_->Count("SELECT COUNT(*) FROM gsm_skills WHERE beschreibung LIKE '%Beispieldaten%'"), 0);
}

TEST(SampleSetFreshTest, SampleIntoAnInstallWithoutMasterDataNeedsNoFlag) {
  auto db = Migrated("mds_sample_fresh");
  ImportRun run = RunImport(*db, SourcePath("masterdata"));
  EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
  EXPECT_GT(EntityOf(run.report, "spells")->getValue<int64_t>("inserted"), 0);
}

TEST(SampleSetFilesTest, TheSampleRecordsSayTheyAreSamples) {
  masterdata::FileSet files;
  ASSERT_TRUE(masterdata::ReadDirectoryFiles(SourcePath("masterdata"), &files).ok());
  EXPECT_NE(files["export.json"].find("\"sample\": \"Beispieldaten"), std::string::npos) << files["export.json"];
  int described = 0;
  for (const auto& [name, text] : files) {
    if (name == "export.json") continue;
    size_t line_start = 0;
    while (line_start < text.size()) {
      size_t end = text.find('\n', line_start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(line_start, end - line_start);
      line_start = end + 1;
      if (line.find("\"beschreibung\":") == std::string::npos && line.find("\"description\":") == std::string::npos)
        continue;
      ++described;
      EXPECT_NE(line.find("Beispieldaten"), std::string::npos) << name << ": " << line;
    }
  }
  EXPECT_GT(described, 30);
}

TEST(SampleSetInitTest, InitWithoutMasterdataSaysItInstallsTheSample) {
  ScratchDatabase db("mds_init");
  std::string report = TempPath("init.json");
  ProcessResult r = db.Job("init", {"--report", report}, {{"BAMORT_ADMIN_PASSWORD", "Long-Enough-Pw"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE((r.out + r.err).find("SAMPLE master data"), std::string::npos) << r.out << r.err;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  ASSERT_TRUE(rep.details->has("masterdata_source"));
  auto source = rep.details->getObject("masterdata_source");
  EXPECT_EQ(source->getValue<std::string>("kind"), "sample");
  EXPECT_FALSE(source->getValue<std::string>("path").empty());
  EXPECT_GT(db.Count("SELECT COUNT(*) FROM gsm_spells WHERE beschreibung LIKE '%Beispieldaten%'"), 0);
  // The sample cannot be imported over it again by accident.
  auto before = db.TableChecksums();
  EXPECT_EQ(RunImport(db, SourcePath("masterdata")).process.exit_code, 3);
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(SampleSetInitTest, InitWithRealMasterdataSaysSo) {
  ScratchDatabase db("mds_init_given");
  std::string report = TempPath("init.json");
  ProcessResult r = db.Job("init", {"--report", report, "--masterdata", SourcePath("tests/fixtures/export-v1-small")},
                           {{"BAMORT_ADMIN_PASSWORD", "Long-Enough-Pw"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.details->getObject("masterdata_source")->getValue<std::string>("kind"), "given");
}

// ---- the change-share guard -----------------------------------------------------------

// A format-2.0 document with `equipment` items (gewicht = i + weight_offset for the first
// `changed` of them, i otherwise) and 5 believes (beschreibung = believe_text).
std::string Document(int equipment, int changed, int weight_offset, const std::string& believe_text) {
  std::string d = "{\"export_version\": \"2.0\", \"backend_version\": \"0.2.2\", \"timestamp\": "
                  "\"2026-01-01T00:00:00Z\", \"game_system\": \"M5\", \"data\": {\"equipment\": [";
  for (int i = 0; i < equipment; ++i)
    d += std::string(i ? "," : "") + "{\"name\":\"Ding " + std::to_string(i) + "\",\"game_system\":\"midgard\"," +
         "\"gewicht\":" + std::to_string(i + (i < changed ? weight_offset : 0)) + "}";
  d += "], \"believes\": [";
  for (int i = 0; i < 5; ++i)
    d += std::string(i ? "," : "") + "{\"name\":\"Glaube " + std::to_string(i) +
         "\",\"game_system\":\"midgard\",\"beschreibung\":\"" + believe_text + "\"}";
  return d + "]}}\n";
}

class ChangeGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Migrated("mds_guard");
    std::string first = TempPath("first.json");
    Write(first, Document(50, 0, 0, "alt"));
    ASSERT_EQ(RunImport(*db_, first).process.exit_code, 0);
    before_ = db_->TableChecksums();
  }
  std::string Doc(int equipment, int changed, const std::string& believe_text = "alt") {
    std::string path = TempPath("doc.json");
    Write(path, Document(equipment, changed, 1000, believe_text));
    return path;
  }
  std::unique_ptr<ScratchDatabase> db_;
  std::map<std::string, std::string> before_;
};

TEST_F(ChangeGuardTest, UpdatingMoreThanTheShareIsRefusedInTheReportsWords) {
  // 11 of 50 equipment rows (22 %) and all 5 believes (a table under the minimum size).
  ImportRun run = RunImport(*db_, Doc(50, 11, "neu"));
  EXPECT_EQ(run.process.exit_code, 3) << run.process.err;
  EXPECT_NE(run.process.err.find("equipment (gsm_equipments) would update 11 of 50 rows"), std::string::npos)
      << run.process.err;
  EXPECT_EQ(ErrorMessage(run.report).find("believes"), std::string::npos) << "tiny tables do not trip it\n"
                                                                      << ErrorMessage(run.report);
  EXPECT_NE(run.process.err.find(kLargeFlag), std::string::npos) << run.process.err;
  EXPECT_EQ(db_->TableChecksums(), before_);
  ASSERT_TRUE(run.report.details->has("change_guard"));
  auto guard = run.report.details->getObject("change_guard");
  EXPECT_EQ(guard->getValue<int64_t>("max_change_percent"), 20);
  auto refused = guard->getArray("refused");
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ(refused->getObject(0)->getValue<std::string>("entity"), "equipment");
  EXPECT_EQ(refused->getObject(0)->getValue<int64_t>("would_update"), 11);
  EXPECT_EQ(refused->getObject(0)->getValue<int64_t>("rows"), 50);
  // The counts are in the report, so the operator sees what was refused.
  EXPECT_EQ(EntityOf(run.report, "equipment")->getValue<int64_t>("updated"), 11);

  // The dry run says the same.
  ImportRun dry = RunImport(*db_, Doc(50, 11, "neu"), {"--dry-run"});
  EXPECT_EQ(dry.process.exit_code, 3);
  EXPECT_EQ(ErrorMessage(dry.report), ErrorMessage(run.report));
  EXPECT_EQ(db_->TableChecksums(), before_);
}

TEST_F(ChangeGuardTest, UpToTheShareIsImported) {
  ImportRun run = RunImport(*db_, Doc(50, 10));  // 20 %: not more than the share
  ASSERT_EQ(run.process.exit_code, 0) << run.process.err;
  EXPECT_EQ(EntityOf(run.report, "equipment")->getValue<int64_t>("updated"), 10);
}

TEST_F(ChangeGuardTest, TheFlagOrAHigherShareLetsItThrough) {
  ImportRun higher = RunImport(*db_, Doc(50, 30), {"--max-change-percent", "80"});  // 60 %
  ASSERT_EQ(higher.process.exit_code, 0) << higher.process.err;
  EXPECT_EQ(EntityOf(higher.report, "equipment")->getValue<int64_t>("updated"), 30);
  ImportRun allowed = RunImport(*db_, Doc(50, 45), {kLargeFlag});  // 15 more of 50: 30 %
  ASSERT_EQ(allowed.process.exit_code, 0) << allowed.process.err;
  EXPECT_EQ(EntityOf(allowed.report, "equipment")->getValue<int64_t>("updated"), 15);
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM gsm_equipments WHERE gewicht >= 1000"), 45);
  auto allowed_list = allowed.report.details->getObject("change_guard")->getArray("allowed");
  ASSERT_EQ(allowed_list->size(), 1u);
}

TEST_F(ChangeGuardTest, PruningMoreThanTheShareIsRefused) {
  ImportRun run = RunImport(*db_, Doc(39, 0), {"--prune"});  // 11 of 50 rows only in the database
  EXPECT_EQ(run.process.exit_code, 3) << run.process.err;
  EXPECT_NE(run.process.err.find("equipment (gsm_equipments) would delete 11 of 50 rows"), std::string::npos)
      << run.process.err;
  EXPECT_EQ(db_->TableChecksums(), before_);
  ImportRun allowed = RunImport(*db_, Doc(39, 0), {"--prune", kLargeFlag});
  ASSERT_EQ(allowed.process.exit_code, 0) << allowed.process.err;
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM gsm_equipments"), 39);
}

TEST_F(ChangeGuardTest, ABadPercentIsBadInput) {
  ImportRun run = RunImport(*db_, Doc(50, 0), {"--max-change-percent", "abc"});
  EXPECT_EQ(run.process.exit_code, 2) << run.process.err;
  EXPECT_NE(run.process.err.find("--max-change-percent"), std::string::npos) << run.process.err;
}

// ---- the dry run ----------------------------------------------------------------------

// Dry run then real import of source onto db: same counts, no table changed by the dry run.
void ExpectDryRunTellsTheTruth(const ScratchDatabase& db, const std::string& source,
                               const std::vector<std::string>& extra = {}) {
  auto before = db.TableChecksums();
  std::vector<std::string> dry_args = extra;
  dry_args.push_back("--dry-run");
  ImportRun dry = RunImport(db, source, dry_args);
  ASSERT_EQ(dry.process.exit_code, 0) << dry.process.err;
  EXPECT_EQ(db.TableChecksums(), before) << "the dry run changed a table";
  EXPECT_TRUE(dry.report.details->getValue<bool>("dry_run"));
  ImportRun real = RunImport(db, source, extra);
  ASSERT_EQ(real.process.exit_code, 0) << real.process.err;
  auto dry_counts = CountsOf(dry.report), real_counts = CountsOf(real.report);
  EXPECT_EQ(dry_counts.size(), 24u);
  EXPECT_EQ(dry_counts, real_counts);
  // The same sample of changed fields.
  auto ents = dry.report.details->getArray("entities");
  for (size_t i = 0; i < ents->size(); ++i) {
    auto name = ents->getObject(i)->getValue<std::string>("name");
    std::ostringstream a, b;
    ents->getObject(i)->getArray("changes")->stringify(a);
    EntityOf(real.report, name)->getArray("changes")->stringify(b);
    EXPECT_EQ(a.str(), b.str()) << name;
  }
}

TEST(DryRunTest, CountsEqualTheRealImportOnTheMigratedLegacyFixture) {
  auto db = Migrated("mds_dry_small", SourcePath("tests/fixtures/legacy-small.sql"));
  ExpectDryRunTellsTheTruth(*db, SourcePath("tests/fixtures/export-v1-small"));
}

TEST(DryRunTest, CountsEqualTheRealImportOnTheRealLegacyData) {
  std::string sql = testing::RealFixture("legacy-init00.sql"), exp = testing::RealFixture("export-init00");
  if (sql.empty() || exp.empty()) GTEST_SKIP() << "../shared/fixtures is absent (set BAMORT_REAL_FIXTURES)";
  auto db = Migrated("mds_dry_real", sql);
  ExpectDryRunTellsTheTruth(*db, exp);
}

TEST(DryRunTest, ShowsASampleOfChangedFieldsAndPrunes) {
  auto db = Migrated("mds_dry_sample");
  std::string first = TempPath("first.json"), second = TempPath("second.json");
  Write(first, Document(8, 0, 0, "alt"));
  ASSERT_EQ(RunImport(*db, first).process.exit_code, 0);
  Write(second, Document(7, 7, 1000, "neu"));
  ExpectDryRunTellsTheTruth(*db, second, {"--prune"});
  // After the real import nothing is left to change; the dry run before it showed the changes.
  Write(second, Document(6, 6, 2000, "neuer"));
  ImportRun dry = RunImport(*db, second, {"--dry-run", "--prune"});
  ASSERT_EQ(dry.process.exit_code, 0) << dry.process.err;
  auto equipment = EntityOf(dry.report, "equipment");
  EXPECT_EQ(equipment->getValue<int64_t>("updated"), 6);
  EXPECT_EQ(equipment->getValue<int64_t>("pruned"), 1);
  auto changes = equipment->getArray("changes");
  ASSERT_GT(changes->size(), 0u);
  EXPECT_LE(changes->size(), 5u);
  auto c = changes->getObject(0);
  EXPECT_EQ(c->getValue<std::string>("key"), "Ding 0 / midgard");
  EXPECT_EQ(c->getValue<std::string>("field"), "gewicht");
  EXPECT_EQ(c->getValue<std::string>("old"), "1000");
  EXPECT_EQ(c->getValue<std::string>("new"), "2000");
  auto believes = EntityOf(dry.report, "believes")->getArray("changes");
  ASSERT_GT(believes->size(), 0u);
  EXPECT_EQ(believes->getObject(0)->getValue<std::string>("old"), "neu");
  EXPECT_EQ(believes->getObject(0)->getValue<std::string>("new"), "neuer");
}

TEST(DryRunTest, FailsWhereTheRealImportFailsWithTheSameCodeAndMessage) {
  auto db = Migrated("mds_dry_fail");
  std::string first = TempPath("first.json");
  Write(first, Document(3, 0, 0, "alt"));
  ASSERT_EQ(RunImport(*db, first).process.exit_code, 0);
  auto before = db->TableChecksums();
  // A reference that names no record, and a value of the wrong type.
  std::string bad_ref = TempPath("bad-ref.json"), bad_type = TempPath("bad-type.json");
  std::string doc = Document(3, 0, 0, "alt");
  std::string ref = doc, type = doc;
  ref.replace(ref.find("\"gewicht\":1"), 11, "\"gewicht\":1,\"source_code\":\"NIX\"");
  type.replace(type.find("\"gewicht\":1"), 11, "\"gewicht\":\"schwer\"");
  Write(bad_ref, ref);
  Write(bad_type, type);
  for (const std::string& source : {bad_ref, bad_type}) {
    ImportRun dry = RunImport(*db, source, {"--dry-run"});
    ImportRun real = RunImport(*db, source);
    EXPECT_EQ(real.process.exit_code, 2) << real.process.err;
    EXPECT_EQ(dry.process.exit_code, real.process.exit_code) << dry.process.err;
    EXPECT_FALSE(ErrorMessage(real.report).empty());
    EXPECT_EQ(ErrorMessage(dry.report), ErrorMessage(real.report));
    EXPECT_EQ(db->TableChecksums(), before);
  }
}

}  // namespace
}  // namespace bamort
