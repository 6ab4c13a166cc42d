// bamort-health as a process against real databases in every state (compatible, behind,
// ahead, dirty, unreachable), spoken to over HTTP on 127.0.0.1: exact JSON fields and
// HTTP codes, /metrics, 404/405/400, the per-IP rate limit, the refresh cache, and a
// graceful SIGTERM that writes the report.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "health_process.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::BinaryPath;
using testing::HealthProcess;
using testing::HttpResult;
using testing::StatusOf;
using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;
using testing::ReadWholeFile;
using testing::TempPath;

std::map<std::string, std::string> DbEnv(const ScratchDatabase& db) { return {{"BAMORT_DB_NAME", db.name()}}; }

StepReport StopAndReadReport(HealthProcess* server) {
  EXPECT_EQ(server->Stop(), 0) << server->err();
  StepReport r;
  Status s = ReadReport(server->report_path(), &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return r;
}

std::set<std::string> Keys(const Poco::JSON::Object::Ptr& o) {
  std::set<std::string> keys;
  for (const auto& [k, v] : *o) keys.insert(k);
  return keys;
}

const std::set<std::string> kHealthFields = {
    "status",         "state",            "backend_version",  "required_db_version",  "actual_db_version",
    "migrations_pending", "pending_count", "pending_migrations", "compatible",
    "migration_needed",   "compatibility_reason", "last_migration", "timestamp"};

TEST(Health, CompatibleDatabaseIsOkWithAllFieldsVersionMetricsAndACleanShutdown) {
  ScratchDatabase db("health_ok");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string backups = TempPath("backups");
  ProcessResult backup = db.Job("backup", {"--out-dir", backups});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;

  HealthProcess server({"--rate-limit", "0", "--backups-dir", backups}, DbEnv(db));
  ASSERT_NE(server.port(), 0);
  HttpResult h = server.Get("/api/system/health");
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.headers["Content-Type"], "application/json; charset=utf-8");
  EXPECT_EQ(h.headers["Access-Control-Allow-Origin"], "*");
  Poco::JSON::Object::Ptr o = h.Json();
  EXPECT_EQ(Keys(o), kHealthFields) << h.body;
  EXPECT_EQ(o->getValue<std::string>("status"), "ok");
  EXPECT_EQ(o->getValue<std::string>("state"), "compatible");
  EXPECT_EQ(o->getValue<std::string>("actual_db_version"), o->getValue<std::string>("required_db_version"));
  EXPECT_FALSE(o->getValue<bool>("migrations_pending"));
  EXPECT_EQ(o->getValue<int64_t>("pending_count"), 0);
  EXPECT_EQ(o->getArray("pending_migrations")->size(), 0u);
  EXPECT_TRUE(o->getValue<bool>("compatible"));
  EXPECT_FALSE(o->getValue<bool>("migration_needed"));
  Poco::JSON::Object::Ptr last = o->getObject("last_migration");
  ASSERT_TRUE(last) << h.body;
  EXPECT_EQ(last->getValue<int64_t>("number"), 12);
  EXPECT_GT(last->getValue<int64_t>("applied_at"), 1700000000);
  SystemTime ts;
  EXPECT_TRUE(ParseRfc3339(o->getValue<std::string>("timestamp"), &ts));

  HttpResult v = server.Get("/api/system/version");
  EXPECT_EQ(v.status, 200);
  Poco::JSON::Object::Ptr vo = v.Json();
  EXPECT_EQ(vo->getObject("backend")->getValue<std::string>("version"), o->getValue<std::string>("backend_version"));
  EXPECT_FALSE(vo->getObject("backend")->getValue<std::string>("commit_hash").empty());
  EXPECT_FALSE(vo->getObject("backend")->getValue<std::string>("build_date").empty());
  EXPECT_EQ(vo->getObject("database")->getValue<int64_t>("migration_number"), 12);
  EXPECT_EQ(vo->getObject("database")->getValue<int64_t>("total_migrations_available"), 12);
  EXPECT_TRUE(vo->getObject("compatibility")->getValue<bool>("compatible"));

  HttpResult m = server.Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["Content-Type"].rfind("text/plain; version=0.0.4", 0), 0u);
  std::string required = o->getValue<std::string>("required_db_version");
  for (const std::string& line :
       {"bamort_db_version_info{version=\"" + required + "\"} 1", "bamort_required_db_version_info{version=\"" + required +
        "\"} 1", std::string("bamort_migrations_pending 0"), std::string("bamort_compatibility_status 1"),
        std::string("bamort_db_dirty 0"), std::string("bamort_last_backup_verified 0"),
        std::string("# TYPE bamort_migrations_pending gauge"), std::string("bamort_health_db_reads_total 1")}) {
    EXPECT_NE(m.body.find(line + "\n"), std::string::npos) << line << "\n" << m.body;
  }
  EXPECT_NE(m.body.find("bamort_last_backup_timestamp_seconds 1"), std::string::npos) << m.body;

  HttpResult head = server.Request("HEAD", "/api/system/health");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  StepReport report = StopAndReadReport(&server);
  EXPECT_EQ(report.status, "ok");
  EXPECT_EQ(report.job, "health");
  EXPECT_EQ(report.details->getValue<std::string>("stopped_by"), "SIGTERM");
  EXPECT_EQ(report.details->getValue<uint64_t>("requests_total"), 4u);
  EXPECT_EQ(report.details->getObject("responses_by_status")->getValue<uint64_t>("200"), 4u);
  EXPECT_EQ(report.details->getValue<std::string>("last_status"), "ok");
  Poco::File(backups).remove(true);
}

TEST(Health, LegacyDatabaseIsWarningWithTwelvePendingMigrations) {
  ScratchDatabase db("health_behind");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  HealthProcess server({"--rate-limit", "0"}, DbEnv(db));
  HttpResult h = server.Get("/api/system/health");
  EXPECT_EQ(h.status, 200) << h.body;
  Poco::JSON::Object::Ptr o = h.Json();
  EXPECT_EQ(Keys(o), kHealthFields);
  EXPECT_EQ(o->getValue<std::string>("status"), "warning");
  EXPECT_EQ(o->getValue<std::string>("state"), "behind");
  EXPECT_TRUE(o->getValue<bool>("migrations_pending"));
  EXPECT_TRUE(o->getValue<bool>("migration_needed"));
  EXPECT_FALSE(o->getValue<bool>("compatible"));
  EXPECT_EQ(o->getValue<int64_t>("pending_count"), 12);
  Poco::JSON::Array::Ptr pending = o->getArray("pending_migrations");
  ASSERT_EQ(pending->size(), 12u);
  for (unsigned i = 0; i < 12; ++i) {
    EXPECT_EQ(pending->getObject(i)->getValue<int64_t>("number"), i + 1);
    EXPECT_FALSE(pending->getObject(i)->getValue<std::string>("description").empty());
  }
  EXPECT_TRUE(o->isNull("last_migration"));
  EXPECT_NE(server.Get("/metrics").body.find("\nbamort_migrations_pending 12\n"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(Health, DirtyDatabaseIs503Error) {
  ScratchDatabase db("health_dirty");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  db.Connect()->Execute(
      "INSERT INTO migration_history (migration_number, version, description, applied_at, success, error_message) "
      "VALUES (13, '0.6.0', 'half applied', UNIX_TIMESTAMP(), 0, 'Duplicate entry')");
  HealthProcess server({"--rate-limit", "0"}, DbEnv(db));
  HttpResult h = server.Get("/api/system/health");
  EXPECT_EQ(h.status, 503) << h.body;
  Poco::JSON::Object::Ptr o = h.Json();
  EXPECT_EQ(Keys(o), kHealthFields);
  EXPECT_EQ(o->getValue<std::string>("status"), "error");
  EXPECT_EQ(o->getValue<std::string>("state"), "dirty");
  EXPECT_FALSE(o->getValue<bool>("compatible"));
  EXPECT_FALSE(o->getValue<std::string>("compatibility_reason").empty());
  EXPECT_NE(server.Get("/metrics").body.find("\nbamort_db_dirty 1\n"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(Health, DatabaseAheadOfTheBuildIs503Error) {
  ScratchDatabase db("health_ahead");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  db.Connect()->Execute(
      "INSERT INTO migration_history (migration_number, version, description, applied_at, success) "
      "VALUES (13, '0.6.0', 'from a newer release', UNIX_TIMESTAMP(), 1)");
  HealthProcess server({"--rate-limit", "0"}, DbEnv(db));
  HttpResult h = server.Get("/api/system/health");
  EXPECT_EQ(h.status, 503) << h.body;
  Poco::JSON::Object::Ptr o = h.Json();
  EXPECT_EQ(o->getValue<std::string>("status"), "error");
  EXPECT_EQ(o->getValue<std::string>("state"), "ahead");
  EXPECT_FALSE(o->getValue<bool>("compatible"));
  EXPECT_FALSE(o->getValue<bool>("migration_needed"));
  EXPECT_EQ(o->getObject("last_migration")->getValue<int64_t>("number"), 13);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(Health, DatabaseAheadOnlyByMigrationNumberSaysStateAhead) {
  // Same version as the build, one migration further: the versions cannot tell; state does.
  ScratchDatabase db("health_ahead_num");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess probe({"--rate-limit", "0"}, DbEnv(db));
  const std::string required = probe.Get("/api/system/health").Json()->getValue<std::string>("required_db_version");
  ASSERT_EQ(probe.Stop(), 0);
  db.Connect()->Execute(
      "INSERT INTO migration_history (migration_number, version, description, applied_at, success) "
      "VALUES (13, '" + required + "', 'from a newer build of the same release', UNIX_TIMESTAMP(), 1)");
  HealthProcess server({"--rate-limit", "0"}, DbEnv(db));
  HttpResult h = server.Get("/api/system/health");
  EXPECT_EQ(h.status, 503) << h.body;
  Poco::JSON::Object::Ptr o = h.Json();
  EXPECT_EQ(Keys(o), kHealthFields);
  EXPECT_EQ(o->getValue<std::string>("state"), "ahead") << h.body;
  EXPECT_EQ(o->getValue<std::string>("status"), "error");
  EXPECT_EQ(o->getValue<std::string>("actual_db_version"), required);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(Health, UnreachableDatabaseIs503WithNullVersionAndNoSecrets) {
  // A closed port on loopback, and a password the body must never contain.
  const std::string password = "Pw-never-shown-7f3a";
  HealthProcess server({"--rate-limit", "0", "--refresh", "1"},
                       {{"BAMORT_DB_HOST", "127.0.0.1"}, {"BAMORT_DB_PORT", "1"}, {"BAMORT_DB_NAME", "bamort_x"},
                        {"BAMORT_DB_PASSWORD", password}, {"BAMORT_DB_PASSWORD_FILE", ""}, {"DATABASE_URL", ""}});
  ASSERT_NE(server.port(), 0);
  HttpResult h = server.Get("/api/system/health");
  EXPECT_EQ(h.status, 503) << h.body;
  Poco::JSON::Object::Ptr o = h.Json();
  EXPECT_EQ(Keys(o), kHealthFields);
  EXPECT_EQ(o->getValue<std::string>("status"), "error");
  EXPECT_EQ(o->getValue<std::string>("state"), "unreachable");
  EXPECT_TRUE(o->isNull("actual_db_version"));
  EXPECT_FALSE(o->getValue<bool>("compatible"));
  // Connector/C says 2002 or 2003 for a refused TCP connection, depending on its version.
  EXPECT_EQ(o->getValue<std::string>("compatibility_reason").rfind("database unreachable (MariaDB error 200", 0), 0u)
      << o->getValue<std::string>("compatibility_reason");
  EXPECT_EQ(h.body.find(password), std::string::npos);
  EXPECT_EQ(h.body.find("127.0.0.1"), std::string::npos) << h.body;
  HttpResult v = server.Get("/api/system/version");
  EXPECT_EQ(v.status, 200);
  EXPECT_TRUE(v.Json()->getObject("database")->isNull("version"));
  HttpResult m = server.Get("/metrics");
  EXPECT_NE(m.body.find("\nbamort_db_up 0\n"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find(password), std::string::npos);
  // It keeps trying: after the 1 s refresh the next request reads (fails) again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  server.Get("/api/system/health");
  EXPECT_NE(server.Get("/metrics").body.find("\nbamort_health_db_reads_total 2\n"), std::string::npos);
  StepReport report = StopAndReadReport(&server);
  EXPECT_EQ(report.details->getValue<std::string>("last_status"), "error");
  EXPECT_EQ(ReadWholeFile(server.report_path()).find(password), std::string::npos);
  EXPECT_EQ(server.err().find(password), std::string::npos);
}

TEST(Health, UnknownPathsWrongMethodsAndMalformedRequests) {
  ScratchDatabase db("health_http");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess server({"--rate-limit", "0"}, DbEnv(db));
  HttpResult nf = server.Get("/api/system/nothing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.headers["Access-Control-Allow-Origin"], "*");
  HttpResult post = server.Request("POST", "/api/system/health");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["Allow"], "GET, HEAD, OPTIONS");
  EXPECT_EQ(server.Request("DELETE", "/metrics").status, 405);
  // CORS preflight from the frontend's origin.
  HttpResult pre = server.Request("OPTIONS", "/api/system/health",
                                  {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "GET"},
                                   {"Access-Control-Request-Headers", "accept"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(pre.headers["Access-Control-Allow-Methods"], "GET, HEAD, OPTIONS");
  EXPECT_EQ(pre.headers["Access-Control-Allow-Headers"], "accept");
  // Not HTTP at all.
  EXPECT_EQ(StatusOf(server.Raw("HELLO THERE\r\n\r\n")), 400);
  // A body on a GET.
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")), 400);
  // Framing that a proxy in front could read differently: duplicate or negative lengths.
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                "Content-Length: 5\r\n\r\nhello")),
            400);
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
            400);
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/health HTTP/1.1\r\nHost : x\r\n\r\n")), 400);
  // Content-Length: 0 is fine.
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                "Connection: close\r\n\r\n")),
            200);
  // Too many header fields (more than 100 are refused).
  std::string many = "GET /api/system/health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) many += "X-Filler-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(StatusOf(server.Raw(many + "\r\n")), 400);
  // An oversized request line.
  EXPECT_EQ(StatusOf(server.Raw("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n")), 400);
  // The server is still fine afterwards.
  EXPECT_EQ(server.Get("/api/system/health").status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(Health, RateLimitAnswers429WithRetryAfterPerClientIp) {
  ScratchDatabase db("health_rate");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess server({"--rate-limit", "1", "--rate-burst", "3", "--trusted-proxy", "127.0.0.1"}, DbEnv(db));
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 10; ++i) {
    HttpResult r = server.Get("/api/system/version");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.headers["Retry-After"];
      EXPECT_EQ(r.headers["Access-Control-Allow-Origin"], "*");
    }
    if (i < 3) {
      EXPECT_EQ(r.status, 200) << "request " << i << " is inside the burst";
    }
  }
  EXPECT_GE(limited, 1);
  EXPECT_EQ(ok + limited, 10);
  EXPECT_GE(std::stoi(retry_after), 1);
  // Another client address is unaffected: a connection from 127.0.0.2 ...
  EXPECT_EQ(StatusOf(server.Raw("GET /api/system/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                "127.0.0.2")),
            200);
  // ... and a client named by the trusted proxy's X-Forwarded-For.
  EXPECT_EQ(server.Request("GET", "/api/system/version", {{"X-Forwarded-For", "198.51.100.7"}}).status, 200);
  StepReport report = StopAndReadReport(&server);
  EXPECT_EQ(report.details->getValue<uint64_t>("rate_limited"), static_cast<uint64_t>(limited));
  EXPECT_EQ(report.details->getObject("responses_by_status")->getValue<uint64_t>("429"),
            static_cast<uint64_t>(limited));
}

TEST(Health, HundredRequestsReadTheDatabaseOncePerRefreshInterval) {
  ScratchDatabase db("health_cache");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess server({"--rate-limit", "0", "--refresh", "60"}, DbEnv(db));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(server.Get("/api/system/health").status, 200);
  std::string metrics = server.Get("/metrics").body;
  EXPECT_NE(metrics.find("\nbamort_health_db_reads_total 1\n"), std::string::npos) << metrics;
  StepReport report = StopAndReadReport(&server);
  EXPECT_EQ(report.details->getValue<uint64_t>("db_reads"), 1u);
}

TEST(Health, PicksUpAMigrationAfterTheRefreshInterval) {
  ScratchDatabase db("health_refresh");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  HealthProcess server({"--rate-limit", "0", "--refresh", "1"}, DbEnv(db));
  EXPECT_EQ(server.Get("/api/system/health").Json()->getValue<std::string>("status"), "warning");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  std::string status;
  for (int i = 0; i < 100 && status != "ok"; ++i) {  // bounded: at most ~10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = server.Get("/api/system/health").Json()->getValue<std::string>("status");
  }
  EXPECT_EQ(status, "ok");
  EXPECT_EQ(server.Stop(), 0);
}

// --max-threads is the number of request threads (it was once declared and ignored): two
// servers that differ only in it differ by as many threads.
TEST(Health, MaxThreadsIsTheNumberOfRequestThreads) {
  ScratchDatabase db("health_threads");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess one({"--max-threads", "1"}, DbEnv(db));
  HealthProcess five({"--max-threads", "5"}, DbEnv(db));
  ASSERT_NE(one.port(), 0);
  ASSERT_NE(five.port(), 0);
  EXPECT_EQ(five.Threads() - one.Threads(), 4u);
  StepReport report = StopAndReadReport(&five);
  EXPECT_EQ(report.inputs->getValue<int64_t>("max_threads"), 5);
  EXPECT_EQ(one.Stop(), 0);
}

TEST(Health, BadListenAddressIsBadUsage) {
  ProcessResult r = testing::RunProcess({BinaryPath("health"), "--listen", "not-an-address"},
                                        {{"BAMORT_DB_NAME", "x"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace bamort
