// Migrate proves its result, status tells a drifted schema from a compatible one, and
// upstream Bamort's own setupcheck (its marker row in schema_version) leaves the tool and
// upstream's systeminfo in agreement. The jobs run as processes on real databases.
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <sstream>

#include "common/file_io.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ParseObject;
using testing::ProcessResult;
using testing::ReadReportOrFail;
using testing::ScratchDatabase;
using testing::SourcePath;
using testing::TempPath;

TEST(SchemaProof, MigrateThatEndsOnAWrongSchemaIsDirtyAndNamesTheDifference) {
  ScratchDatabase db("proof_dirty");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  // Every statement succeeds, but the result is not 0.5.0's schema.
  std::string migrations =
      testing::SabotagedMigrations("0012_", "ALTER TABLE `users` MODIFY COLUMN `email` varchar(100) DEFAULT NULL;");
  std::string report = TempPath("dirty.json");
  ProcessResult r = db.Job("migrate", {"--migrations-dir", migrations, "--report", report});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  StepReport rep = ReadReportOrFail(report);
  EXPECT_EQ(rep.status, "failed");
  ASSERT_TRUE(rep.error.has_value());
  EXPECT_NE(rep.error->message.find("users"), std::string::npos) << rep.error->message;
  EXPECT_NE(rep.error->message.find("email"), std::string::npos) << rep.error->message;
  ASSERT_TRUE(rep.details->has("dirty"));
  Poco::JSON::Object::Ptr dirty = rep.details->getObject("dirty");
  ASSERT_FALSE(dirty.isNull());
  EXPECT_EQ(dirty->getValue<int64_t>("migration_number"), 12);
  EXPECT_NE(dirty->getValue<std::string>("error_message").find("schema check"), std::string::npos);
  Poco::JSON::Array::Ptr checks = rep.details->getArray("schema_checks");
  ASSERT_EQ(checks->size(), 1u);
  EXPECT_EQ(checks->getObject(0)->getValue<std::string>("version"), "0.5.0");
  EXPECT_FALSE(checks->getObject(0)->getValue<bool>("ok"));

  ProcessResult status = db.Job("status", {"--migrations-dir", migrations, "--json"});
  EXPECT_EQ(status.exit_code, 3) << status.err;
  EXPECT_EQ(ParseObject(status.out)->getValue<std::string>("state"), "dirty");

  // Fixed by hand, then repaired: compatible again, and the schema is checked once more.
  ASSERT_TRUE(db.Connect()->Execute("ALTER TABLE `users` MODIFY COLUMN `email` varchar(191) DEFAULT NULL").ok());
  ProcessResult repair = db.Job("migrate", {"--migrations-dir", migrations, "--repair"});
  EXPECT_EQ(repair.exit_code, 0) << repair.err;
  status = db.Job("status", {"--migrations-dir", migrations, "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
}

TEST(SchemaProof, StatusSaysDriftedForACompatibleRecordOnAChangedSchema) {
  ScratchDatabase db("proof_drift");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::string report = TempPath("ok.json");
  ProcessResult r = db.Job("migrate", {"--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Array::Ptr checks = ReadReportOrFail(report).details->getArray("schema_checks");
  ASSERT_EQ(checks->size(), 1u);
  EXPECT_EQ(checks->getObject(0)->getValue<std::string>("version"), "0.5.0");
  EXPECT_TRUE(checks->getObject(0)->getValue<bool>("ok"));

  ProcessResult status = db.Job("status", {"--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  Poco::JSON::Object::Ptr json = ParseObject(status.out);
  EXPECT_EQ(json->getValue<std::string>("state"), "compatible");
  EXPECT_TRUE(json->getObject("schema_check")->getValue<bool>("checked"));

  ASSERT_TRUE(db.Connect()->Execute("ALTER TABLE `users` DROP COLUMN `email`").ok());
  status = db.Job("status", {"--json"});
  EXPECT_EQ(status.exit_code, 3);
  json = ParseObject(status.out);
  EXPECT_EQ(json->getValue<std::string>("state"), "drifted");
  EXPECT_FALSE(json->getValue<bool>("compatible"));
  Poco::JSON::Array::Ptr differences = json->getObject("schema_check")->getArray("differences");
  ASSERT_GE(differences->size(), 1u);  // the column, and the index on it
  EXPECT_NE(differences->getElement<std::string>(0).find("email"), std::string::npos);

  ProcessResult text = db.Job("status");
  EXPECT_EQ(text.exit_code, 3);
  EXPECT_NE(text.out.find("drifted"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("email"), std::string::npos) << text.out;
}

// What upstream's GET /api/maintenance/setupcheck does to the database after its GORM
// AutoMigrate (../shared/reference/upstream-app/README.md), statement by statement.
void RunUpstreamSetupcheckStatements(Connection* conn) {
  ResultSet marker;
  ASSERT_TRUE(conn->Query("SELECT * FROM schema_version WHERE version = '0.1.37' ORDER BY id LIMIT 1", &marker).ok());
  if (marker.empty()) {
    ASSERT_TRUE(conn->Execute("INSERT INTO schema_version (version, migration_number, backend_version, description, "
                              "applied_at) VALUES ('0.1.37', 1, '0.1.37', 'Initial schema version', UNIX_TIMESTAMP())")
                    .ok());
  }
  ResultSet m5;
  ASSERT_TRUE(conn->Query("SELECT id FROM game_systems WHERE code = 'M5'", &m5).ok());
  ASSERT_FALSE(m5.empty()) << "the chain seeds M5 (migration 6)";
  ResultSet tables;
  ASSERT_TRUE(conn->Query("SELECT TABLE_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                          "AND COLUMN_NAME = 'game_system_id'",
                          &tables)
                  .ok());
  for (size_t i = 0; i < tables.size(); ++i) {
    ASSERT_TRUE(conn->Execute("UPDATE " + Connection::QuoteIdentifier(tables.GetString(i, 0)) +
                              " SET game_system_id = 1 WHERE game_system_id = 0 OR game_system_id IS NULL")
                    .ok());
  }
  ASSERT_TRUE(conn->Execute("UPDATE gsm_spells SET learning_category = category "
                            "WHERE learning_category = '' OR learning_category IS NULL")
                  .ok());
}

TEST(SchemaProof, UpstreamSetupcheckAfterMigrateLeavesToolAndSysteminfoInAgreement) {
  ScratchDatabase db("proof_setup");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  auto before = db.TableChecksums();
  RunUpstreamSetupcheckStatements(db.Connect().get());
  EXPECT_EQ(db.TableChecksums(), before) << "setupcheck found nothing to do after bamort-migrate";
  // upstream's systeminfo: dbVersion = the latest schema_version row by id.
  EXPECT_EQ(db.Scalar("SELECT version FROM schema_version ORDER BY id DESC LIMIT 1"), "0.5.0");
  EXPECT_EQ(db.Job("status").exit_code, 0);
  ProcessResult validate = db.Job("validate");
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
}

TEST(SchemaProof, AMarkerRowAfterOurRowIsRecognisedAndMigrateRecordsTheVersionAgain) {
  ScratchDatabase db("proof_marker");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  // A database migrated before the marker was written first: setupcheck appends it last.
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("DELETE FROM schema_version WHERE version = '0.1.37'").ok());
  RunUpstreamSetupcheckStatements(conn.get());
  ASSERT_EQ(db.Scalar("SELECT version FROM schema_version ORDER BY id DESC LIMIT 1"), "0.1.37");

  EXPECT_EQ(db.Job("status").exit_code, 0) << "a marker row is not the database's version";
  std::string report = TempPath("validate-marker.json");
  ProcessResult validate = db.Job("validate", {"--report", report});
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
  EXPECT_EQ(validate.out.find("cannot be trusted"), std::string::npos) << validate.out;
  EXPECT_NE(validate.out.find("setupcheck marker"), std::string::npos) << validate.out;

  std::string migrate_report = TempPath("migrate-marker.json");
  ProcessResult migrate = db.Job("migrate", {"--report", migrate_report});
  EXPECT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_TRUE(ReadReportOrFail(migrate_report).details->getValue<bool>("version_recorded_again"));
  EXPECT_EQ(db.Scalar("SELECT version FROM schema_version ORDER BY id DESC LIMIT 1"), "0.5.0");
  // Once is enough: a second run changes nothing.
  int64_t rows = db.Count("SELECT COUNT(*) FROM schema_version");
  EXPECT_EQ(db.Job("migrate").exit_code, 0);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM schema_version"), rows);
}

TEST(SchemaProof, StatusHistoryListsEveryMigrationLikeFlywayInfo) {
  ScratchDatabase db("proof_history");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate", {"--to-version", "0.4.0"}).exit_code, 0);
  ProcessResult json = db.Job("status", {"--history", "--json"});
  EXPECT_EQ(json.exit_code, 3) << json.err;  // behind
  Poco::JSON::Parser parser;
  Poco::JSON::Array::Ptr history = parser.parse(json.out).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(history->size(), 12u);
  for (size_t i = 0; i < history->size(); ++i) {
    Poco::JSON::Object::Ptr e = history->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(e->getValue<int64_t>("number"), static_cast<int64_t>(i + 1));
    EXPECT_EQ(e->getValue<std::string>("state"), i < 5 ? "applied" : "pending") << i;
    if (i < 5) {
      EXPECT_EQ(e->getValue<std::string>("checksum"), "ok");
    } else {
      EXPECT_TRUE(e->isNull("checksum")) << i;
    }
  }
  ProcessResult text = db.Job("status", {"--history"});
  EXPECT_NE(text.out.find("STATE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("pending"), std::string::npos) << text.out;
}

TEST(ExitCodes, BehindIsAStateLoggedAtInfoWithAWarningReport) {
  ScratchDatabase db("behind_state");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  std::string report = TempPath("behind.json");
  ProcessResult status = db.Job("status", {"--report", report});
  EXPECT_EQ(status.exit_code, 3);
  StepReport rep = ReadReportOrFail(report);
  EXPECT_EQ(rep.status, "warning");
  EXPECT_EQ(rep.details->getValue<std::string>("state"), "behind");
  EXPECT_EQ(status.err.find(" error: "), std::string::npos) << status.err;
}

TEST(ExitCodes, AnUnwritableReportFolderStopsMigrateBeforeAnythingChanges) {
  ScratchDatabase db("report_unwritable");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  // A folder below a character device can never be made, not even by root.
  ProcessResult r = db.Job("migrate", {"--report", "/dev/null/reports/migrate.json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/dev/null/reports"), std::string::npos) << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST(UnknownLayout, ADatabaseThatIsNotBamortsIsRefusedBeforeAnythingChangesAlsoInTheDryRun) {
  ScratchDatabase db("not_bamort");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE wp_posts (id INT PRIMARY KEY, title VARCHAR(200))").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO wp_posts VALUES (1, 'Hello')").ok());
  auto before = db.TableChecksums();
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--dry-run"}, std::vector<std::string>{}}) {
    ProcessResult r = db.Job("migrate", args);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("unknown layout"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("wp_posts"), std::string::npos) << r.err;
    EXPECT_EQ(db.TableChecksums(), before);
  }
}

TEST(Privileges, AUserWhoMayNotAlterIsRefusedBeforeTheFirstStatementAndTheDryRunSaysTheSame) {
  ScratchDatabase db("narrow_grants");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  // May read and write rows and create tables, but not ALTER, INDEX or REFERENCES.
  testing::DatabaseUser user(db, "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP");
  auto before = db.TableChecksums();
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--dry-run"}, std::vector<std::string>{}}) {
    ProcessResult r = db.Job("migrate", args, user.env());
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("lacks ALTER, INDEX, REFERENCES"), std::string::npos) << r.err;
    EXPECT_EQ(db.TableChecksums(), before);
  }
}

}  // namespace
}  // namespace bamort
