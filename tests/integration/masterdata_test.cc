// bamort-import-masterdata, -export-masterdata and -prepare run as processes against fresh
// installs (migrated to the latest schema): the real upstream export (when
// ../shared/fixtures is there) and our own export-v1-small, round trips, updates, the
// collation, and every kind of bad input (exit 2, database unchanged).
#include <archive.h>
#include <archive_entry.h>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include <fstream>

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

const std::map<std::string, std::string> kFixedTime = {{"SOURCE_DATE_EPOCH", "1700000000"}};

std::unique_ptr<ScratchDatabase> FreshInstall(const std::string& prefix) {
  auto db = std::make_unique<ScratchDatabase>(prefix);
  ProcessResult r = db->Job("migrate");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return db;
}

struct Counts {
  int64_t in_file = -1, inserted = -1, updated = -1, unchanged = -1, only_in_database = -1, pruned = -1;
};

std::map<std::string, Counts> ImportCounts(const std::string& report_path) {
  StepReport r;
  Status s = ReadReport(report_path, &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, Counts> out;
  if (!s.ok() || !r.details->has("entities")) return out;
  auto a = r.details->getArray("entities");
  for (size_t i = 0; i < a->size(); ++i) {
    auto o = a->getObject(i);
    Counts c;
    c.in_file = o->getValue<int64_t>("in_file");
    c.inserted = o->getValue<int64_t>("inserted");
    c.updated = o->getValue<int64_t>("updated");
    c.unchanged = o->getValue<int64_t>("unchanged");
    c.only_in_database = o->getValue<int64_t>("only_in_database");
    c.pruned = o->getValue<int64_t>("pruned");
    out[o->getValue<std::string>("name")] = c;
  }
  return out;
}

// Imports source into db and returns the per-entity counts of the report.
std::map<std::string, Counts> Import(const ScratchDatabase& db, const std::string& source,
                                     std::vector<std::string> extra = {}, int expected_exit = 0) {
  std::string report = TempPath("import.json");
  std::vector<std::string> args = {"--source", source, "--report", report};
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessResult r = db.Job("import-masterdata", args);
  EXPECT_EQ(r.exit_code, expected_exit) << r.err;
  return ImportCounts(report);
}

std::string Export(const ScratchDatabase& db) {
  std::string dir = TempPath("export");
  ProcessResult r = db.Job("export-masterdata", {"--out", dir}, kFixedTime);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir;
}

masterdata::FileSet ReadDir(const std::string& dir) {
  masterdata::FileSet files;
  Status s = masterdata::ReadDirectoryFiles(dir, &files);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return files;
}

void WriteText(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomic(path, text).ok());
}
std::string ReadText(const std::string& path) {
  std::string s;
  EXPECT_TRUE(ReadFileToString(path, &s).ok()) << path;
  return s;
}
// Replaces the first occurrence of from in the file; fails the test when absent.
void Edit(const std::string& path, const std::string& from, const std::string& to) {
  std::string s = ReadText(path);
  size_t at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  s.replace(at, from.size(), to);
  WriteText(path, s);
}

void ExpectNoChanges(const std::map<std::string, Counts>& counts) {
  EXPECT_EQ(counts.size(), 24u);
  for (const auto& [name, c] : counts) {
    EXPECT_EQ(c.inserted, 0) << name;
    EXPECT_EQ(c.updated, 0) << name;
    EXPECT_EQ(c.unchanged, c.in_file) << name;
  }
}

int64_t TableRows(const ScratchDatabase& db, const std::string& table) {
  return db.Count("SELECT COUNT(*) FROM `" + table + "`");
}

const std::map<std::string, std::string> kTables = {
    {"sources", "gsm_lit_sources"}, {"character_classes", "gsm_character_classes"},
    {"skill_categories", "learning_skill_categories"}, {"skill_difficulties", "learning_skill_difficulties"},
    {"spell_schools", "learning_spell_schools"}, {"skills", "gsm_skills"},
    {"skill_category_difficulties", "learning_skill_category_difficulties"}, {"spells", "gsm_spells"},
    {"class_category_ep_costs", "learning_class_category_ep_costs"},
    {"class_spell_school_ep_costs", "learning_class_spell_school_ep_costs"},
    {"spell_level_le_costs", "learning_spell_level_le_costs"}, {"skill_improvement_costs", "skill_improvement_cost2"},
    {"weapon_skills", "gsm_weaponskills"},
    {"weaponskill_category_difficulties", "learning_weaponskill_category_difficulties"},
    {"equipment", "gsm_equipments"}, {"weapons", "gsm_weapons"}, {"containers", "gsm_containers"},
    {"transportation", "gsm_transportations"}, {"believes", "gsm_believes"},
    {"class_category_learning_points", "gsm_cc_class_category_points"},
    {"class_spell_points", "gsm_cc_class_spell_points"}, {"class_typical_skills", "gsm_cc_class_typical_skills"},
    {"class_typical_spells", "gsm_cc_class_typical_spells"}, {"misc_lookups", "gsm_misc"}};

// The whole story on one format-1.0 export: every record lands, a re-import changes
// nothing, and export -> import into an empty database -> export is byte-identical.
void ImportReimportRoundTrip(const std::string& source, const std::map<std::string, int64_t>& expected) {
  auto a = FreshInstall("md_a");
  auto first = Import(*a, source);
  ASSERT_EQ(first.size(), 24u);
  for (const auto& [name, n] : expected) {
    EXPECT_EQ(first[name].in_file, n) << name;
    EXPECT_EQ(first[name].inserted, n) << name;
    EXPECT_EQ(TableRows(*a, kTables.at(name)), n) << name;
  }
  EXPECT_EQ(a->Count("SELECT COUNT(*) FROM gsm_skills WHERE game_system_id IS NULL OR game_system_id <> "
                     "(SELECT id FROM game_systems WHERE code = 'M5')"),
            0);
  ExpectNoChanges(Import(*a, source));

  std::string export_a = Export(*a);
  auto b = FreshInstall("md_b");
  auto into_b = Import(*b, export_a);
  for (const auto& [name, n] : expected) EXPECT_EQ(into_b[name].inserted, n) << name;
  ExpectNoChanges(Import(*b, export_a));
  std::string export_b = Export(*b);
  masterdata::FileSet fa = ReadDir(export_a), fb = ReadDir(export_b);
  ASSERT_EQ(fa.size(), 23u);  // export.json + 22 top-level entities
  for (const auto& [name, content] : fa) EXPECT_TRUE(fb[name] == content) << name << " differs after the round trip";
  ExpectNoChanges(Import(*a, export_b));
}

TEST(MasterDataTest, SmallExportImportReimportAndRoundTrip) {
  ImportReimportRoundTrip(SourcePath("tests/fixtures/export-v1-small"),
                          {{"sources", 3}, {"character_classes", 4}, {"skill_categories", 5},
                           {"skill_difficulties", 4}, {"spell_schools", 4}, {"skills", 11},
                           {"skill_category_difficulties", 9}, {"spells", 6}, {"class_category_ep_costs", 10},
                           {"class_spell_school_ep_costs", 5}, {"spell_level_le_costs", 6},
                           {"skill_improvement_costs", 13}, {"weapon_skills", 4},
                           {"weaponskill_category_difficulties", 0}, {"equipment", 4}, {"weapons", 4},
                           {"containers", 2}, {"transportation", 2}, {"believes", 4}, {"misc_lookups", 6}});
}

TEST(MasterDataTest, RealExportInit00ImportReimportAndRoundTrip) {
  std::string real = testing::RealFixture("export-init00");
  if (real.empty()) GTEST_SKIP() << "../shared/fixtures/export-init00 is absent (set BAMORT_REAL_FIXTURES)";
  // File counts of fixtures/README.md; skill_improvement_costs: 609 records name 246
  // distinct (category, difficulty, level), which is what main's table holds.
  ImportReimportRoundTrip(real, {{"sources", 6}, {"character_classes", 15}, {"skill_categories", 11},
                                 {"skill_difficulties", 4}, {"spell_schools", 10}, {"skills", 75},
                                 {"skill_category_difficulties", 92}, {"spells", 536},
                                 {"class_category_ep_costs", 150}, {"class_spell_school_ep_costs", 52},
                                 {"spell_level_le_costs", 12}, {"skill_improvement_costs", 246},
                                 {"weapon_skills", 14}, {"weaponskill_category_difficulties", 0},
                                 {"equipment", 79}, {"weapons", 25}, {"containers", 12}, {"transportation", 3},
                                 {"believes", 8}, {"class_category_learning_points", 0}, {"class_spell_points", 0},
                                 {"class_typical_skills", 0}, {"class_typical_spells", 0}, {"misc_lookups", 0}});
}

class MasterDataChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshInstall("md_change");
    Import(*db_, SourcePath("tests/fixtures/export-v1-small"));
    export_ = Export(*db_);
    before_ = db_->TableChecksums();
  }
  std::unique_ptr<ScratchDatabase> db_;
  std::string export_;
  std::map<std::string, std::string> before_;
};

// Tests that must leave the database unchanged share one install; each edits its own
// copy of the export.
class MasterDataRefusalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_db_ = FreshInstall("md_refuse").release();
    Import(*shared_db_, SourcePath("tests/fixtures/export-v1-small"));
    shared_export_ = new std::string(Export(*shared_db_));
  }
  static void TearDownTestSuite() {
    delete shared_db_;
    delete shared_export_;
  }
  void SetUp() override {
    export_ = TempPath("export-copy");
    ASSERT_TRUE(MakeDirs(export_).ok());
    for (const auto& [name, content] : ReadDir(*shared_export_)) WriteText(export_ + "/" + name, content);
    before_ = shared_db_->TableChecksums();
  }
  std::string ExpectRefused(const std::string& source, const std::string& must_mention) {
    ProcessResult r = shared_db_->Job("import-masterdata", {"--source", source});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(must_mention), std::string::npos) << r.err;
    EXPECT_EQ(shared_db_->TableChecksums(), before_);
    return r.err;
  }
  static ScratchDatabase* shared_db_;
  static std::string* shared_export_;
  std::string export_;
  std::map<std::string, std::string> before_;
};
ScratchDatabase* MasterDataRefusalTest::shared_db_ = nullptr;
std::string* MasterDataRefusalTest::shared_export_ = nullptr;

TEST_F(MasterDataChangeTest, OneChangedSpellUpdatesExactlyThatSpell) {
  std::string spells = export_ + "/spells.json";
  std::string text = ReadText(spells);
  size_t at = text.find("\"beschreibung\":\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 16, "Geändert. ");
  WriteText(spells, text);
  auto counts = Import(*db_, export_);
  for (const auto& [name, c] : counts) {
    EXPECT_EQ(c.inserted, 0) << name;
    EXPECT_EQ(c.updated, name == "spells" ? 1 : 0) << name;
  }
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM gsm_spells WHERE beschreibung LIKE 'Geändert. %'"), 1);
}

TEST_F(MasterDataChangeTest, NameDifferingInCaseOrAccentsMatchesTheExistingRow) {
  // The class code 'Hä' becomes 'HA' and a category changes case; references in other
  // files keep the old spelling and still resolve (utf8mb4_unicode_ci).
  Edit(export_ + "/character_classes.json", "\"code\":\"Hä\"", "\"code\":\"HA\"");
  std::string cats = ReadText(export_ + "/skill_categories.json");
  Edit(export_ + "/skill_categories.json", "\"name\":\"Alltag\"", "\"name\":\"ALLTAG\"");
  auto counts = Import(*db_, export_);
  EXPECT_EQ(counts["character_classes"].inserted, 0);
  EXPECT_EQ(counts["character_classes"].updated, 1);
  EXPECT_EQ(counts["skill_categories"].inserted, 0);
  EXPECT_EQ(counts["skill_categories"].updated, 1);
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM gsm_character_classes WHERE BINARY code = 'HA'"), 1);
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM learning_skill_categories WHERE BINARY name = 'ALLTAG'"), 1);
  EXPECT_EQ(TableRows(*db_, "gsm_character_classes"), 4);
}

TEST_F(MasterDataChangeTest, TrailingSpaceNoBreakSpaceAndLigatureMatchTheExistingRows) {
  // MariaDB pads with spaces ('Alltag' = 'Alltag ', 'leicht' = 'leicht' + U+00A0, whose
  // weight is the space's) and expands U+FB00 to "ff": each is the same row, an update
  // of its bytes, never a new row.
  Edit(export_ + "/skill_categories.json", "\"name\":\"Alltag\"", "\"name\":\"Alltag \"");
  Edit(export_ + "/skill_difficulties.json", "\"name\":\"leicht\"", "\"name\":\"leicht\xC2\xA0\"");
  // The fixture's category is spelled with the ligature; the export now spells it out.
  std::string cats = ReadText(export_ + "/skill_categories.json");
  std::string spelled = "Parierwa\xEF\xAC\x80" "en";
  size_t lig = cats.find(spelled);
  ASSERT_NE(lig, std::string::npos) << "the fixture lost its U+FB00 category";
  cats.replace(lig, spelled.size(), "Parierwaffen");
  WriteText(export_ + "/skill_categories.json", cats);
  int categories = TableRows(*db_, "learning_skill_categories");
  int difficulties = TableRows(*db_, "learning_skill_difficulties");
  auto counts = Import(*db_, export_);
  EXPECT_EQ(counts["skill_categories"].inserted, 0);
  EXPECT_EQ(counts["skill_categories"].updated, 2);
  EXPECT_EQ(counts["skill_difficulties"].inserted, 0);
  EXPECT_EQ(counts["skill_difficulties"].updated, 1);
  EXPECT_EQ(TableRows(*db_, "learning_skill_categories"), categories);
  EXPECT_EQ(TableRows(*db_, "learning_skill_difficulties"), difficulties);
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM learning_skill_categories WHERE BINARY name = 'Schilde und Parierwaffen'"), 1);
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM learning_skill_categories WHERE BINARY name = 'Alltag '"), 1);
  // The links of the skills still name the same category and difficulty rows.
  EXPECT_EQ(counts["skill_category_difficulties"].inserted, 0);
}

TEST_F(MasterDataChangeTest, NullsInTheTableMatchTheirExportAndStayUnchanged) {
  // Legacy rows can hold NULL where the format has none: the export writes "" and 0,
  // and importing that export into the same database must change nothing (before, a
  // NULL key part never matched and the record was inserted a second time).
  auto conn = db_->Connect();
  ASSERT_TRUE(conn->Execute("UPDATE gsm_skills SET game_system = NULL, page_number = NULL ORDER BY id LIMIT 1").ok());
  ASSERT_TRUE(conn->Execute("UPDATE gsm_believes SET beschreibung = NULL ORDER BY id LIMIT 1").ok());
  std::string with_nulls = Export(*db_);
  auto before = db_->TableChecksums();
  auto counts = Import(*db_, with_nulls);
  for (const auto& [name, c] : counts) {
    EXPECT_EQ(c.inserted, 0) << name;
    EXPECT_EQ(c.updated, 0) << name;
  }
  EXPECT_EQ(db_->TableChecksums(), before);
  EXPECT_EQ(db_->Count("SELECT COUNT(*) FROM gsm_skills WHERE game_system IS NULL AND page_number IS NULL"), 1);
}

TEST_F(MasterDataRefusalTest, UnknownReferenceFailsCleanly) {
  // The first category/difficulty link of a skill names a category that does not exist.
  std::string path = export_ + "/skills.json";
  std::string text = ReadText(path);
  size_t link = text.find("[{\"learn_cost\":");
  ASSERT_NE(link, std::string::npos);
  size_t cat = text.find("\"category\":\"", link) + 12;
  text.replace(cat, text.find('"', cat) - cat, "Gibt es nicht");
  WriteText(path, text);
  std::string err = ExpectRefused(export_, "'Gibt es nicht' names no skill_categories record");
  EXPECT_NE(err.find("skills.json record"), std::string::npos) << err;
  EXPECT_NE(err.find("field 'category'"), std::string::npos) << err;
}

TEST_F(MasterDataChangeTest, DryRunReportsAndWritesNothing) {
  Edit(export_ + "/spells.json", "\"beschreibung\":\"", "\"beschreibung\":\"x");
  auto counts = Import(*db_, export_, {"--dry-run"});
  EXPECT_EQ(counts["spells"].updated, 1);
  EXPECT_EQ(db_->TableChecksums(), before_);
}

TEST_F(MasterDataChangeTest, PruneDeletesRowsOnlyInTheDatabase) {
  // Drop the last believe record from the export.
  std::string path = export_ + "/believes.json";
  std::string text = ReadText(path);
  size_t last = text.rfind(",\n  {");
  ASSERT_NE(last, std::string::npos);
  WriteText(path, text.substr(0, last) + "\n]\n");
  // The header's count must say so too (a count that disagrees is refused as an edited export).
  Edit(export_ + "/export.json", "\"believes\": 4", "\"believes\": 3");
  auto kept = Import(*db_, export_);
  EXPECT_EQ(kept["believes"].only_in_database, 1);
  EXPECT_EQ(TableRows(*db_, "gsm_believes"), 4);
  auto pruned = Import(*db_, export_, {"--prune"});
  EXPECT_EQ(pruned["believes"].pruned, 1);
  EXPECT_EQ(TableRows(*db_, "gsm_believes"), 3);
}

// Writes a tar.gz with arbitrary entries (for the hostile-package tests).
struct TarEntry {
  std::string path;
  unsigned type = AE_IFREG;
  std::string content;
  std::string link;
};
void WriteTar(const std::string& path, const std::vector<TarEntry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, t.type == AE_IFREG ? static_cast<la_int64_t>(t.content.size()) : 0);
    if (!t.link.empty()) archive_entry_set_symlink(e, t.link.c_str());
    archive_write_header(a, e);
    if (t.type == AE_IFREG && !t.content.empty()) archive_write_data(a, t.content.data(), t.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// The entries of a good package built from the export, as TarEntry values.
std::vector<TarEntry> GoodEntries(const std::string& export_dir) {
  package::FileMap files;
  for (const auto& [name, content] : ReadDir(export_dir)) files["masterdata/" + name] = content;
  files["metadata.json"] = "{\"package_format\": 1}\n";
  std::vector<TarEntry> out;
  for (const auto& [p, c] : files) out.push_back({p, AE_IFREG, c, ""});
  out.push_back({"checksums.txt", AE_IFREG, package::ChecksumsText(files), ""});
  return out;
}

TEST_F(MasterDataChangeTest, PackageFromPrepareImportsAsNoOp) {
  std::string pkg = TempPath("deployment_package_test.tar.gz");
  ProcessResult r = db_->Job("prepare", {"--out", pkg}, kFixedTime);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  package::PackageContents contents;
  ASSERT_TRUE(package::ReadPackage(pkg, &contents).ok());
  EXPECT_EQ(contents.masterdata.size(), 23u);
  EXPECT_NE(contents.metadata.find("\"records\""), std::string::npos);
  ExpectNoChanges(Import(*db_, pkg));
}

TEST_F(MasterDataRefusalTest, PackageWithBadChecksumIsRefused) {
  auto entries = GoodEntries(export_);
  for (auto& e : entries)
    if (e.path == "masterdata/spells.json") e.content.insert(2, " ");
  std::string pkg = TempPath("bad-checksum.tar.gz");
  WriteTar(pkg, entries);
  ExpectRefused(pkg, "checksum mismatch for 'masterdata/spells.json'");
}

TEST_F(MasterDataRefusalTest, PackageWithZipSlipEntryIsRefused) {
  auto entries = GoodEntries(export_);
  entries.insert(entries.begin(), {"../../etc/x", AE_IFREG, "boom", ""});
  std::string pkg = TempPath("zip-slip.tar.gz");
  WriteTar(pkg, entries);
  ExpectRefused(pkg, "'../../etc/x' contains '..': refused");
}

TEST_F(MasterDataRefusalTest, PackageWithSymlinkEntryIsRefused) {
  auto entries = GoodEntries(export_);
  entries.insert(entries.begin(), {"masterdata/evil.json", AE_IFLNK, "", "/etc/passwd"});
  std::string pkg = TempPath("symlink.tar.gz");
  WriteTar(pkg, entries);
  ExpectRefused(pkg, "is a symbolic link: refused");
}

TEST_F(MasterDataRefusalTest, MalformedJsonIsRefused) {
  // Checksums are right; the JSON is not.
  std::string text = ReadText(export_ + "/spells.json");
  WriteText(export_ + "/spells.json", text.substr(0, text.size() / 2));
  auto entries = GoodEntries(export_);
  std::string pkg = TempPath("malformed.tar.gz");
  WriteTar(pkg, entries);
  ExpectRefused(pkg, "spells.json: malformed JSON");
  ExpectRefused(export_, "spells.json: malformed JSON");
}

TEST_F(MasterDataRefusalTest, UnknownExportVersionIsRefused) {
  Edit(export_ + "/export.json", "\"export_version\": \"2.0\"", "\"export_version\": \"9.1\"");
  ExpectRefused(export_, "unknown export_version '9.1'");
  std::string doc = TempPath("doc.json");
  WriteText(doc, "{\"export_version\": \"3.0\", \"game_system\": \"M5\", \"data\": {}}");
  ExpectRefused(doc, "unknown export_version '3.0'");
}

TEST(MasterDataTest, DefaultMasterDataImportsIntoFreshInstall) {
  auto db = FreshInstall("md_default");
  auto counts = Import(*db, SourcePath("masterdata"));
  ASSERT_EQ(counts.size(), 24u);
  EXPECT_GT(counts["skills"].inserted, 0);
  EXPECT_GT(counts["spells"].inserted, 0);
  EXPECT_GT(counts["equipment"].inserted, 0);
  // Again over itself: the sample set's guard wants the flag once the install holds master data.
  Import(*db, SourcePath("masterdata"), {}, 3);
  ExpectNoChanges(Import(*db, SourcePath("masterdata"), {"--overwrite-with-sample-data"}));
  // The shipped files are exactly what the exporter writes for them.
  std::string again = Export(*db);
  masterdata::FileSet shipped = ReadDir(SourcePath("masterdata")), exported = ReadDir(again);
  for (const auto& [name, content] : exported) {
    if (name != "export.json") {
      EXPECT_TRUE(shipped[name] == content) << name << " is not in canonical form";
    }
  }
}

}  // namespace
}  // namespace bamort
