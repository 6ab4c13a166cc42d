// Every job works for a user with exactly the grants the official MariaDB image gives
// MARIADB_USER: `GRANT ALL PRIVILEGES ON <db>.* TO '<user>'@'%'`, nothing on other
// schemas, no global privilege (no CREATE DATABASE elsewhere, no PROCESS, no RELOAD).
// The user is created here with the test server's admin account, as the image does it,
// and every job runs as that user, as a process (issue 14, item 4).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "backup/manifest.h"
#include "common/file_io.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort::testing {
namespace {

// The official image's user: ALL PRIVILEGES on one database and nothing else.
class ImageUser : public DatabaseUser {
 public:
  explicit ImageUser(const ScratchDatabase& db) : DatabaseUser(db, "ALL PRIVILEGES") {}
  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    for (auto& [k, v] : DatabaseUser::env()) extra[k] = v;
    return extra;
  }
  // The grants as the server reports them: exactly USAGE plus ALL on the one database.
  std::vector<std::string> Grants(const ScratchDatabase& db) const {
    ResultSet rs;
    auto admin = db.Connect();
    EXPECT_TRUE(admin->Query("SHOW GRANTS FOR '" + name() + "'@'%'", &rs).ok());
    std::vector<std::string> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs.GetString(i, 0));
    return out;
  }
};

class GrantsTest : public ::testing::Test {
 protected:
  ProcessResult Run(const ScratchDatabase& db, const ImageUser& u, const std::string& job,
                    std::vector<std::string> args = {}, std::map<std::string, std::string> env = {}) {
    ProcessResult r = db.Job(job, args, u.env(env));
    EXPECT_EQ((r.out + r.err).find(u.password()), std::string::npos) << "the password appears in " << job;
    return r;
  }
  int64_t VerifySchemas(const ScratchDatabase& db) {
    return db.Count("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'bamort\\_verify\\_%'");
  }
};

TEST_F(GrantsTest, TheUserHasExactlyTheOfficialImagesGrants) {
  ScratchDatabase db("gr_grants");
  ImageUser u(db);
  auto grants = u.Grants(db);
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_NE(grants[0].find("GRANT USAGE ON *.*"), std::string::npos) << grants[0];
  EXPECT_NE(grants[1].find("GRANT ALL PRIVILEGES ON `" + db.name() + "`.*"), std::string::npos) << grants[1];
  // What bamort-backup --verify used to do, and what the user may not.
  std::unique_ptr<Connection> conn;
  DbConfig c = db.config();
  c.user = u.name();
  c.password = u.password();
  ASSERT_TRUE(Connection::Open(c, &conn).ok());
  Status s = conn->Execute("CREATE DATABASE bamort_verify_probe_" + std::to_string(getpid()));
  EXPECT_EQ(s.db_errno(), 1044u) << s.ToString();
}

TEST_F(GrantsTest, BackupVerifyListAndRestoreWorkAndLeaveTheExpectedRows) {
  ScratchDatabase db("gr_backup");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ImageUser u(db);
  const auto original = db.TableChecksums();
  const std::string out = TempPath("backups");
  const std::string report = TempPath("backup.json");

  ProcessResult r = Run(db, u, "backup", {"--out-dir", out, "--verify", "--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(VerifySchemas(db), 0) << "no scratch schema on the production server";
  auto sets = BackupSetDirs(out);
  ASSERT_EQ(sets.size(), 1u);
  Manifest m;
  ASSERT_TRUE(ReadManifest(sets[0] + "/manifest.json", &m).ok());
  EXPECT_TRUE(m.verified);
  ASSERT_TRUE(m.verification);
  EXPECT_EQ(m.verification->getValue<std::string>("method"), "private-server");
  EXPECT_EQ(m.verification->getArray("differences")->size(), 0u);
  EXPECT_EQ(m.tables.size(), original.size());
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "ok");
  EXPECT_TRUE(rep.details->getValue<bool>("verified"));

  r = Run(db, u, "backup", {"--out-dir", out, "--list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(sets[0]), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"verified\": true"), std::string::npos) << r.out;

  // Change the database, then restore the set over it: back to the backup's rows.
  { auto c = db.Connect(); ASSERT_TRUE(c->Execute("DELETE FROM char_chars").ok()); }
  ASSERT_NE(db.TableChecksums(), original);
  r = Run(db, u, "restore", {"--backup", sets[0]});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db.TableChecksums(), original);
}

// Where no private server can be had and the user may not create the scratch database,
// --verify is refused before anything is dumped: exit 3, the missing privilege and the
// two ways out named, no set and no partial folder.
TEST_F(GrantsTest, VerifyInAScratchSchemaIsRefusedBeforeDumpingWithTheMissingPrivilegeNamed) {
  ScratchDatabase db("gr_scratch");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ImageUser u(db);
  const std::string out = TempPath("backups");
  const std::string report = TempPath("backup.json");
  ProcessResult r = Run(db, u, "backup", {"--out-dir", out, "--verify", "--verify-in", "scratch", "--report", report});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("may not create the scratch database"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CREATE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mariadb-server-core"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("GRANT ALL PRIVILEGES ON `bamort\\_verify\\_%`.*"), std::string::npos) << r.err;
  std::vector<std::string> left;
  if (Poco::File(out).exists()) Poco::File(out).list(left);
  EXPECT_TRUE(left.empty()) << "nothing dumped";
  EXPECT_EQ(VerifySchemas(db), 0);
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "failed");
}

TEST_F(GrantsTest, MigrateStatusValidateRollbackAndImportWorkOnTheLegacyFixture) {
  ScratchDatabase db("gr_migrate");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ImageUser u(db);
  const int64_t characters = db.Count("SELECT COUNT(*) FROM char_chars");
  ASSERT_GT(characters, 0);

  ProcessResult r = Run(db, u, "migrate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), characters);

  r = Run(db, u, "status", {"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Run(db, u, "validate");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  const std::string report = TempPath("import.json");
  r = Run(db, u, "import-masterdata", {"--source", SourcePath("tests/fixtures/export-v1-small"), "--report", report});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  StepReport rep;
  ASSERT_TRUE(ReadReport(report, &rep).ok());
  EXPECT_EQ(rep.status, "ok");
  EXPECT_GT(db.Count("SELECT COUNT(*) FROM gsm_skills"), 0);

  r = Run(db, u, "rollback", {"--steps", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Run(db, u, "status").exit_code, 3) << "one migration behind after the rollback";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), characters);
  r = Run(db, u, "migrate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Run(db, u, "status").exit_code, 0);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), characters);
}

TEST_F(GrantsTest, InitOnAnEmptyDatabaseAndHealthWork) {
  ScratchDatabase db("gr_init");
  ImageUser u(db);
  ProcessResult r = Run(db, u, "init", {}, {{"BAMORT_ADMIN_PASSWORD", "Long-Enough-Pw"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM users"), 1);
  EXPECT_GT(db.Count("SELECT COUNT(*) FROM gsm_skills"), 0);
  r = Run(db, u, "status");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // bamort-health has no one-shot mode: serve, ask once, stop.
  std::map<std::string, std::string> env = u.env({{"BAMORT_DB_NAME", db.name()}});
  BackgroundProcess health({BinaryPath("health"), "--listen", "127.0.0.1:0"}, env);
  std::string port = health.WaitForLine("listening on http://127.0.0.1:");
  ASSERT_FALSE(port.empty()) << health.err();
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(std::stoi(port)));
  session.setTimeout(Poco::Timespan(15, 0));
  Poco::Net::HTTPRequest req("GET", "/api/system/health", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(resp), body);
  EXPECT_EQ(resp.getStatus(), 200) << body;
  auto json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(json->getValue<std::string>("status"), "ok") << body;
  EXPECT_EQ(health.Stop(), 0) << health.err();
}

}  // namespace
}  // namespace bamort::testing
