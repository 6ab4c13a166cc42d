#include "config/db_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/secrets.h"

namespace bamort {

namespace {
EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

TEST(DbConfig, ParsesBamortsDatabaseUrl) {
  DbConfig c;
  ASSERT_TRUE(ParseDatabaseUrl("bamort:s3cr@t:x@tcp(mariadb:3307)/bamort?charset=utf8mb4&parseTime=True", &c).ok());
  EXPECT_EQ(c.user, "bamort");
  EXPECT_EQ(c.password, "s3cr@t:x");
  EXPECT_EQ(c.host, "mariadb");
  EXPECT_EQ(c.port, 3307u);
  EXPECT_EQ(c.name, "bamort");
  ASSERT_TRUE(ParseDatabaseUrl("u:p@tcp(db)/x", &c).ok());
  EXPECT_EQ(c.port, 3306u);
}

TEST(DbConfig, BadUrlNamesTheSettingAndNeverTheValue) {
  for (const char* bad : {"bamort:TopSecret99@mariadb:3306/bamort", "bamort:TopSecret99@tcp(mariadb:3306",
                          "bamort:TopSecret99@tcp(mariadb:99999)/bamort", "bamort:TopSecret99@tcp(mariadb:3306)/",
                          ":TopSecret99@tcp(h:1)/db"}) {
    DbConfig c;
    Status s = ParseDatabaseUrl(bad, &c);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << bad;
    EXPECT_NE(s.message().find("DATABASE_URL"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("TopSecret99"), std::string::npos) << s.message();
  }
}

TEST(DbConfig, FlagsOverrideEnvironmentWhichOverridesUrl) {
  DbFlags flags;
  flags.port = "4000";
  DbConfig c;
  ASSERT_TRUE(LoadDbConfig(FakeEnv({{"DATABASE_URL", "u:pw1234@tcp(urlhost:1000)/urldb"},
                                    {"BAMORT_DB_HOST", "envhost"},
                                    {"BAMORT_DB_PORT", "2000"}}),
                           flags, true, &c)
                  .ok());
  EXPECT_EQ(c.host, "envhost");
  EXPECT_EQ(c.port, 4000u);
  EXPECT_EQ(c.name, "urldb");
  EXPECT_EQ(c.user, "u");
  EXPECT_EQ(c.password, "pw1234");
}

TEST(DbConfig, PortOutOfRangeIsBadInputNamingTheSetting) {
  DbConfig c;
  Status s = LoadDbConfig(FakeEnv({{"BAMORT_DB_PORT", "70000"}, {"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}}),
                          DbFlags(), true, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("BAMORT_DB_PORT"), std::string::npos);
}

TEST(DbConfig, MissingPasswordFileIsBadInputNamingTheSetting) {
  DbConfig c;
  Status s = LoadDbConfig(FakeEnv({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"},
                                   {"BAMORT_DB_PASSWORD_FILE", "/nonexistent/secret"}}),
                          DbFlags(), true, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("BAMORT_DB_PASSWORD_FILE"), std::string::npos);
}

TEST(DbConfig, PasswordFileWinsAndIsRedactedEverywhere) {
  std::string path = ::testing::TempDir() + "/pw";
  { std::ofstream(path) << "FromTheFile!42\n"; }
  DbConfig c;
  ASSERT_TRUE(LoadDbConfig(FakeEnv({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"},
                                    {"BAMORT_DB_PASSWORD", "FromTheEnv!42"}, {"BAMORT_DB_PASSWORD_FILE", path}}),
                           DbFlags(), true, &c)
                  .ok());
  EXPECT_EQ(c.password, "FromTheFile!42");
  EXPECT_EQ(Redact("login with FromTheFile!42 failed"), "login with *** failed");
}

}  // namespace bamort
