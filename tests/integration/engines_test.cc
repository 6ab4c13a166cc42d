// The health and validate engines called in-process (lib/health/health_service.h,
// lib/validate/validation.h): their result structs say what they did.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "health/health_service.h"
#include "init/init.h"
#include "migrate/migration_source.h"
#include "test_support.h"
#include "validate/validation.h"

namespace bamort {
namespace {

using testing::ScratchDatabase;

std::vector<Migration> AllMigrations() {
  std::vector<Migration> m;
  EXPECT_TRUE(EmbeddedMigrationSource()->Load(&m).ok());
  return m;
}

int HttpStatus(const std::string& address, const std::string& path) {
  size_t colon = address.rfind(':');
  Poco::Net::HTTPClientSession session(address.substr(0, colon),
                                       static_cast<Poco::UInt16>(std::stoi(address.substr(colon + 1))));
  session.setTimeout(Poco::Timespan(15, 0));
  Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(resp), body);
  return resp.getStatus();
}

TEST(HealthService, ServesUntilStoppedAndCountsWhatItAnswered) {
  ScratchDatabase db("healthsvc");
  HealthOptions options;
  options.server.listen = "127.0.0.1:0";
  options.server.rate_per_second = 0;  // no limit
  options.migrations = AllMigrations();
  HealthDeps deps;
  deps.config = db.config();
  std::string bound;
  deps.on_listening = [&](const std::string& address) { bound = address; };
  int health = 0, version = 0;
  deps.wait_for_stop = [&] {
    health = HttpStatus(bound, "/api/system/health");
    version = HttpStatus(bound, "/api/system/version");
    return std::string("test");
  };
  HealthResult r;
  Status s = ServeHealth(options, deps, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.bound_address, bound);
  EXPECT_EQ(r.stopped_by, "test");
  EXPECT_TRUE(health == 200 || health == 503) << health;
  EXPECT_EQ(version, 200);
  EXPECT_EQ(r.requests, 2u);
  EXPECT_EQ(r.counters.responses_by_status[health], health == 200 ? 2u : 1u);
  EXPECT_EQ(r.counters.responses_by_status[200], health == 200 ? 2u : 1u);
  EXPECT_GE(r.counters.db_reads, 1u);
  ASSERT_NE(r.last, nullptr);
  EXPECT_NE(r.last->state, "compatible");
}

TEST(HealthService, NoMigrationsIsBadInputAndNothingListens) {
  ScratchDatabase db("healthsvcbad");
  HealthDeps deps;
  deps.config = db.config();
  HealthResult r;
  EXPECT_EQ(ServeHealth(HealthOptions(), deps, &r).code(), StatusCode::kBadInput);
  EXPECT_TRUE(r.bound_address.empty());
}

TEST(Validation, RepairDryRunPlansThenTheRepairRunsAndValidatesAgain) {
  ScratchDatabase db("validation");
  InitOptions init;
  init.admin.password = "Long-Enough-Pw";
  init.no_masterdata = true;
  init.migrations = AllMigrations();
  InitDeps init_deps;
  init_deps.config = db.config();
  InitResult installed;
  ASSERT_TRUE(RunInitialisation(init, init_deps, &installed).ok());
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("ALTER TABLE users DROP COLUMN display_name").ok());
  std::vector<std::string> dropped = db.SchemaSignature();

  ValidationOptions options;
  options.repair_additive = true;
  options.dry_run = true;
  ValidationRun dry;
  ASSERT_TRUE(RunValidation(conn.get(), init.migrations, options, &dry).ok());
  EXPECT_TRUE(dry.validated);
  EXPECT_TRUE(dry.repair_planned);
  ASSERT_EQ(dry.repair_statements.size(), 1u);
  EXPECT_NE(dry.repair_statements[0].find("display_name"), std::string::npos) << dry.repair_statements[0];
  EXPECT_FALSE(dry.repair_ran);
  EXPECT_FALSE(dry.revalidated);
  EXPECT_EQ(db.SchemaSignature(), dropped);

  options.dry_run = false;
  ValidationRun repaired;
  ASSERT_TRUE(RunValidation(conn.get(), init.migrations, options, &repaired).ok());
  EXPECT_TRUE(repaired.repair_ran);
  EXPECT_EQ(repaired.repair_committed, 1u);
  ASSERT_TRUE(repaired.revalidated);
  auto status_of = [](const ValidationResult& v, const std::string& name) {
    for (const CheckResult& c : v.checks)
      if (c.name == name) return c.status;
    return std::string("missing");
  };
  EXPECT_EQ(status_of(repaired.before_repair, "schema.columns"), "fail");
  EXPECT_EQ(status_of(repaired.result, "schema.columns"), "pass");
  EXPECT_EQ(status_of(repaired.result, "version_tables"), "pass");
}

}  // namespace
}  // namespace bamort
