// bamort-validate and bamort-init as processes, and the expected-schema model checked
// against what the migrations really produce.
#include <fstream>

#include <Poco/JSON/Parser.h>

#include "auth/password_hash.h"
#include "common/file_io.h"
#include "report/step_report.h"
#include "schema/expected_schema.h"
#include "schema/introspect.h"
#include "schema/schema_compare.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ParseObject;
using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;
using testing::TempPath;

// The status of one named check in `bamort-validate --json` output.
std::string CheckStatus(const ProcessResult& r, const std::string& name) {
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  for (const auto& c : *o->getArray("checks")) {
    auto cj = c.extract<Poco::JSON::Object::Ptr>();
    if (cj->getValue<std::string>("name") == name) return cj->getValue<std::string>("status");
  }
  return "absent";
}

std::string CheckItems(const ProcessResult& r, const std::string& name) {
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  std::string items;
  for (const auto& c : *o->getArray("checks")) {
    auto cj = c.extract<Poco::JSON::Object::Ptr>();
    if (cj->getValue<std::string>("name") != name) continue;
    for (const auto& i : *cj->getArray("items")) items += i.toString() + "\n";
  }
  return items;
}

// A database at the latest version with the legacy fixture's data.
void MigratedLegacy(const ScratchDatabase& db) {
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ProcessResult r = db.Job("migrate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(ExpectedSchema, MatchesWhatTheMigrationsProduceForEveryVersion) {
  std::vector<std::string> versions = KnownSchemaVersions();
  ASSERT_GE(versions.size(), 2u);
  for (const std::string& v : versions) {
    ScratchDatabase db("expected");
    ProcessResult r = db.Job("migrate", {"--to-version", v});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    SchemaSpec expected, live;
    ASSERT_TRUE(ExpectedSchemaFor(v, &expected).ok());
    auto conn = db.Connect();
    ASSERT_TRUE(IntrospectSchema(conn.get(), &live).ok());
    std::string diff;
    for (const SchemaFinding& f : CompareSchema(expected, live)) diff += "  " + f.Describe() + "\n";
    EXPECT_TRUE(diff.empty()) << "lib/schema/expected/" << v << ".json no longer matches the migrations "
                              << "(run scripts/gen-expected-schema.sh):\n" << diff;
    EXPECT_EQ(expected.version, v);
  }
}

TEST(Validate, MigratedLegacyFixturePassesWithoutFailures) {
  ScratchDatabase db("vlegacy");
  MigratedLegacy(db);
  std::string report = TempPath("legacy.json");
  ProcessResult r = db.Job("validate", {"--json", "--report", report});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<int>("failed"), 0);
  EXPECT_GT(o->getValue<int>("passed"), 40);
  EXPECT_EQ(CheckStatus(r, "schema.columns"), "pass");
  EXPECT_EQ(CheckStatus(r, "version_tables"), "pass");
  EXPECT_EQ(CheckStatus(r, "orphans.char_skills.fk_char_chars_fertigkeiten"), "pass");
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.job, "validate");
  EXPECT_EQ(rep.details->getValue<int>("failed"), 0);
}

TEST(Validate, RealLegacyDatabaseMigratedPasses) {
  std::string path = testing::RealFixture("legacy-init00.sql");
  if (path.empty()) GTEST_SKIP() << "the real Bamort data (../shared/fixtures/legacy-init00.sql) is absent";
  ScratchDatabase db("vreal");
  db.LoadSqlFile(path);
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(Validate, DetectsADroppedColumn) {
  ScratchDatabase db("vcolumn");
  MigratedLegacy(db);
  ASSERT_TRUE(db.Connect()->Execute("ALTER TABLE users DROP COLUMN display_name").ok());
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CheckStatus(r, "schema.columns"), "fail");
  EXPECT_NE(CheckItems(r, "schema.columns").find("users.display_name is missing"), std::string::npos)
      << CheckItems(r, "schema.columns");
}

TEST(Validate, DetectsADroppedIndex) {
  ScratchDatabase db("vindex");
  MigratedLegacy(db);
  ASSERT_TRUE(db.Connect()->Execute("ALTER TABLE users DROP INDEX idx_users_reset_pw_hash").ok());
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CheckStatus(r, "schema.indexes"), "fail");
  EXPECT_NE(CheckItems(r, "schema.indexes").find("users.idx_users_reset_pw_hash is missing"), std::string::npos);
}

TEST(Validate, DetectsAnOrphanedRowWithItsId) {
  ScratchDatabase db("vorphan");
  MigratedLegacy(db);
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("SET foreign_key_checks = 0").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO char_skills (id, character_id, name) VALUES (987654, 424242, 'Orphan')").ok());
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CheckStatus(r, "orphans.char_skills.fk_char_chars_fertigkeiten"), "fail");
  EXPECT_NE(CheckItems(r, "orphans.char_skills.fk_char_chars_fertigkeiten").find("987654"), std::string::npos);
  EXPECT_EQ(CheckStatus(r, "schema.tables"), "pass");
}

TEST(Validate, DetectsAForgedSchemaVersionAheadOfMigrationHistory) {
  ScratchDatabase db("vforged");
  MigratedLegacy(db);
  ASSERT_TRUE(db.Connect()->Execute("INSERT INTO schema_version (version, migration_number, applied_at, "
                                    "backend_version) VALUES ('0.6.0', 13, UNIX_TIMESTAMP(), '9.9.9')").ok());
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CheckStatus(r, "version_tables"), "fail");
  EXPECT_NE(CheckItems(r, "version_tables").find("0.6.0"), std::string::npos);
}

TEST(Validate, DetectsAnEditedMigrationChecksum) {
  ScratchDatabase db("vchecksum");
  MigratedLegacy(db);
  ASSERT_TRUE(db.Connect()->Execute("UPDATE migration_history SET checksum = SHA2('edited', 256) "
                                    "WHERE migration_number = 3").ok());
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CheckStatus(r, "migration_checksums"), "fail");
  EXPECT_NE(CheckItems(r, "migration_checksums").find("0003_"), std::string::npos);
}

TEST(Validate, UnexpectedLeftoverTableIsOnlyAWarning) {
  ScratchDatabase db("vleftover");
  MigratedLegacy(db);
  ASSERT_TRUE(db.Connect()->Execute("CREATE TABLE learning_sources (id INT)").ok());
  ProcessResult r = db.Job("validate", {"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(CheckStatus(r, "schema.tables"), "warn");
}

TEST(Validate, RepairAdditiveRestoresADroppedColumnAndTableAndNothingElse) {
  ScratchDatabase db("vrepair");
  MigratedLegacy(db);
  std::vector<std::string> before = db.SchemaSignature();
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("ALTER TABLE users DROP COLUMN display_name").ok());
  ASSERT_TRUE(conn->Execute("DROP TABLE char_shares").ok());
  ASSERT_TRUE(conn->Execute("CREATE TABLE keep_me (id INT)").ok());
  int64_t users = db.Count("SELECT COUNT(*) FROM users");

  ProcessResult dry = db.Job("validate", {"--repair-additive", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 1);  // the dry run repairs nothing, so validation still fails
  EXPECT_NE(dry.out.find("CREATE TABLE IF NOT EXISTS `char_shares`"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("ADD COLUMN IF NOT EXISTS `display_name`"), std::string::npos) << dry.out;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                     "TABLE_NAME = 'char_shares'"), 0);

  std::string report = TempPath("repair.json");
  ProcessResult r = db.Job("validate", {"--repair-additive", "--report", report});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.details->getArray("repair_statements")->size(), 2u);
  ProcessResult again = db.Job("validate", {"--json"});
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM users"), users);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM keep_me WHERE 1 = 0"), 0);  // untouched, still there
  std::vector<std::string> after = db.SchemaSignature();
  after.erase(std::remove_if(after.begin(), after.end(),
                             [](const std::string& l) { return l.find("keep_me") != std::string::npos; }),
              after.end());
  EXPECT_EQ(after, before);
}

TEST(Init, EmptyDatabaseGetsSchemaMasterDataAndAdminThenValidatePasses) {
  ScratchDatabase db("init");
  std::string pw = TempPath("adminpw");
  { std::ofstream(pw) << "Adm1n-Distinct-Pw\n"; }
  std::string report = TempPath("init.json");
  ProcessResult r = db.Job("init", {"--admin-password-file", pw, "--admin-email", "admin@example.org", "--masterdata",
                                    SourcePath("tests/fixtures/export-v1-small"), "--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Adm1n-Distinct-Pw"), std::string::npos);
  std::string text;
  ASSERT_TRUE(ReadFileToString(report, &text).ok());
  EXPECT_EQ(text.find("Adm1n-Distinct-Pw"), std::string::npos);
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.database.version_after.value_or(""), "0.5.0");
  EXPECT_EQ(rep.details->getArray("tables_created")->size(), 46u);
  EXPECT_EQ(rep.details->getObject("admin_user")->getValue<std::string>("username"), "admin");

  EXPECT_EQ(db.Scalar("SELECT password_hash FROM users WHERE username = 'admin'"),
            BamortPasswordHash("Adm1n-Distinct-Pw"));
  EXPECT_EQ(db.Scalar("SELECT role FROM users WHERE username = 'admin'"), "admin");
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM migration_history WHERE success = 1"), 12);
  EXPECT_GT(db.Count("SELECT COUNT(*) FROM gsm_skills"), 0);
  ProcessResult status = db.Job("status");
  EXPECT_EQ(status.exit_code, 0) << status.out;
  ProcessResult v = db.Job("validate", {"--json"});
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_EQ(ParseObject(v.out)->getValue<int>("failed"), 0);
}

TEST(Init, RefusesANonEmptyDatabaseAndChangesNothing) {
  ScratchDatabase db("initfull");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult r = db.Job("init", {"--no-masterdata"}, {{"BAMORT_ADMIN_PASSWORD", "Long-Enough-Pw"}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(Init, MissingAdminPasswordOrBadMasterDataIsExit2WithNothingCreated) {
  ScratchDatabase db("initbad");
  ProcessResult nopw = db.Job("init", {"--no-masterdata"}, {{"BAMORT_ADMIN_PASSWORD", ""}});
  EXPECT_EQ(nopw.exit_code, 2) << nopw.err;
  EXPECT_NE(nopw.err.find("admin password"), std::string::npos) << nopw.err;
  ProcessResult badmd = db.Job("init", {"--masterdata", "/nonexistent/masterdata"},
                               {{"BAMORT_ADMIN_PASSWORD", "Long-Enough-Pw"}});
  EXPECT_EQ(badmd.exit_code, 2) << badmd.err;
  EXPECT_NE(badmd.err.find("--masterdata"), std::string::npos) << badmd.err;
  ProcessResult dry = db.Job("init", {"--no-masterdata", "--dry-run"}, {{"BAMORT_ADMIN_PASSWORD", "Long-Enough-Pw"}});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("apply 12 migrations"), std::string::npos) << dry.out;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 0);
}

}  // namespace
}  // namespace bamort
