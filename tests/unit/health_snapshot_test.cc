// The answers bamort-health makes from a snapshot: status words and HTTP codes per state,
// the exact JSON fields, the unreachable case (no host, no password), the metrics text,
// and the cache reading at most once per refresh interval.
#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>

#include <set>

#include "common/secrets.h"
#include "db/connection.h"
#include "health/health_cache.h"
#include "health/health_snapshot.h"

namespace bamort {
namespace {

HealthSnapshot Compatible() {
  HealthSnapshot s;
  s.reachable = true;
  s.state = "compatible";
  s.reason = "database is at 0.5.0 (migration 12), as required";
  s.backend_version = "0.5.0";
  s.required_db_version = "0.5.0";
  s.actual_db_version = "0.5.0";
  s.migration_number = 12;
  s.last_migration = LastMigrationInfo{12, "drop legacy leftovers", 1764000000};
  s.total_migrations_available = 12;
  return s;
}

std::set<std::string> Keys(const Poco::JSON::Object::Ptr& o) {
  std::set<std::string> keys;
  for (const auto& [k, v] : *o) keys.insert(k);
  return keys;
}

TEST(HealthSnapshot, StatusWordsAndHttpCodes) {
  HealthSnapshot s = Compatible();
  EXPECT_STREQ(HealthStatusWord(s), "ok");
  EXPECT_EQ(HealthHttpStatus(s), 200);
  s.state = "behind";
  EXPECT_STREQ(HealthStatusWord(s), "warning");
  EXPECT_EQ(HealthHttpStatus(s), 200);
  s.state = "ahead";
  EXPECT_EQ(HealthHttpStatus(s), 503);
  s.state = "dirty";
  EXPECT_STREQ(HealthStatusWord(s), "error");
  EXPECT_EQ(HealthHttpStatus(s), 503);
  HealthSnapshot down = UnreachableSnapshot(Status::DatabaseError(2003, "x"), "0.5.0", 12);
  EXPECT_EQ(HealthHttpStatus(down), 503);
}

TEST(HealthSnapshot, HealthJsonHasExactlyTheDocumentedFields) {
  HealthSnapshot s = Compatible();
  s.state = "behind";
  s.pending = {{11, "0.5.0", "spell learning category"}, {12, "0.5.0", "drop legacy leftovers"}};
  Poco::JSON::Object::Ptr o = HealthJson(s, std::chrono::system_clock::now());
  EXPECT_EQ(Keys(o), (std::set<std::string>{"status", "state", "backend_version", "required_db_version", "actual_db_version",
                                            "migrations_pending", "pending_count", "pending_migrations", "compatible",
                                            "migration_needed", "compatibility_reason", "last_migration",
                                            "timestamp"}));
  EXPECT_EQ(o->getValue<std::string>("status"), "warning");
  EXPECT_EQ(o->getValue<std::string>("state"), "behind");
  EXPECT_TRUE(o->getValue<bool>("migrations_pending"));
  EXPECT_TRUE(o->getValue<bool>("migration_needed"));
  EXPECT_FALSE(o->getValue<bool>("compatible"));
  EXPECT_EQ(o->getValue<int64_t>("pending_count"), 2);
  Poco::JSON::Array::Ptr pending = o->getArray("pending_migrations");
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(Keys(pending->getObject(0)), (std::set<std::string>{"number", "description"}));
  EXPECT_EQ(pending->getObject(1)->getValue<int64_t>("number"), 12);
  EXPECT_EQ(Keys(o->getObject("last_migration")), (std::set<std::string>{"number", "description", "applied_at"}));
}

TEST(HealthSnapshot, UnreachableNamesOnlyTheErrnoNeverHostOrPassword) {
  RegisterSecret("pw-for-unit-test");
  Status err = Status::DatabaseError(
      dberr::kCannotConnectTcp, "cannot connect to bamort@db.internal.example:3307/bamort: Can't connect to server",
      "is MariaDB running and reachable at db.internal.example:3307?");
  HealthSnapshot s = UnreachableSnapshot(err, "0.5.0", 12);
  Poco::JSON::Object::Ptr o = HealthJson(s, std::chrono::system_clock::now());
  std::ostringstream text;
  o->stringify(text);
  EXPECT_EQ(text.str().find("db.internal"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("3307"), std::string::npos) << text.str();
  EXPECT_EQ(o->getValue<std::string>("compatibility_reason"), "database unreachable (MariaDB error 2003)");
  EXPECT_TRUE(o->isNull("actual_db_version"));
  EXPECT_TRUE(o->isNull("last_migration"));
  EXPECT_EQ(o->getValue<std::string>("status"), "error");
  EXPECT_EQ(o->getValue<std::string>("state"), "unreachable");
  EXPECT_EQ(UnreachableReason(Status::DatabaseError(dberr::kAccessDenied, "Access denied for user 'x'@'y'")),
            "database refused the login (MariaDB error 1045)");
}

TEST(HealthSnapshot, VersionJsonShape) {
  Poco::JSON::Object::Ptr o = VersionJson(Compatible());
  EXPECT_EQ(Keys(o), (std::set<std::string>{"backend", "database", "compatibility"}));
  EXPECT_EQ(Keys(o->getObject("backend")), (std::set<std::string>{"version", "commit_hash", "build_date", "compiler"}));
  EXPECT_EQ(Keys(o->getObject("database")),
            (std::set<std::string>{"version", "migration_number", "last_migration", "total_migrations_available"}));
  EXPECT_EQ(Keys(o->getObject("compatibility")), (std::set<std::string>{"compatible", "reason"}));
  EXPECT_FALSE(o->getObject("backend")->getValue<std::string>("commit_hash").empty());
}

TEST(HealthSnapshot, MetricsHaveHelpAndTypeForEverySample) {
  HealthSnapshot s = Compatible();
  s.backups_checked = true;
  s.last_backup = LastBackupInfo{"bamort_20261125T064609Z", 1764053169, true};
  ServerCounters c;
  c.db_reads = 3;
  c.responses_by_status = {{200, 7}, {429, 2}};
  std::string text = MetricsText(s, c);
  for (const char* line :
       {"bamort_db_version_info{version=\"0.5.0\"} 1\n", "bamort_required_db_version_info{version=\"0.5.0\"} 1\n",
        "bamort_migrations_pending 0\n", "bamort_compatibility_status 1\n", "bamort_db_dirty 0\n",
        "bamort_last_backup_timestamp_seconds 1764053169\n", "bamort_last_backup_verified 1\n",
        "bamort_health_db_reads_total 3\n", "bamort_health_responses_total{code=\"429\"} 2\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  // Every metric name that has a sample has HELP and TYPE lines before it.
  std::istringstream in(text);
  std::set<std::string> typed;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# TYPE ", 0) == 0) typed.insert(l.substr(7, l.find(' ', 7) - 7));
    if (l.empty() || l[0] == '#') continue;
    std::string name = l.substr(0, l.find_first_of("{ "));
    EXPECT_TRUE(typed.count(name)) << name;
  }
}

TEST(HealthSnapshot, UnknownValuesAreLeftOutOfTheMetrics) {
  std::string text = MetricsText(UnreachableSnapshot(Status::DatabaseError(2003, "x"), "0.5.0", 12), ServerCounters());
  EXPECT_NE(text.find("bamort_db_up 0\n"), std::string::npos);
  EXPECT_NE(text.find("bamort_compatibility_status 0\n"), std::string::npos);
  EXPECT_EQ(text.find("\nbamort_migrations_pending "), std::string::npos);
  EXPECT_EQ(text.find("bamort_db_version_info{"), std::string::npos);
  EXPECT_EQ(text.find("bamort_last_backup"), std::string::npos);  // no --backups-dir: not even HELP
}

TEST(HealthCache, ReadsAtMostOncePerInterval) {
  int reads = 0;
  HealthCache cache([&] { ++reads; return Compatible(); }, std::chrono::hours(1));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(cache.Get()->state, "compatible");
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(cache.reads(), 1u);
  HealthCache always([&] { ++reads; return Compatible(); }, std::chrono::milliseconds(0));
  always.Get();
  always.Get();
  EXPECT_EQ(always.reads(), 2u);
}

}  // namespace
}  // namespace bamort
