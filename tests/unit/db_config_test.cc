#include "config/db_config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <map>

#include "common/secrets.h"

namespace bamort {

namespace {
EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/db_config_test_" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  return path;
}

Status Load(std::map<std::string, std::string> vars, DbConfig* c, DbFlags flags = DbFlags()) {
  return LoadDbConfig(FakeEnv(std::move(vars)), flags, true, c);
}

// upstream's .env.example, as the jobs see it in a container of its compose project.
std::map<std::string, std::string> UpstreamEnv() {
  return {{"MARIADB_ROOT_PASSWORD", "RootOnly!1"},
          {"MARIADB_PASSWORD", "UserPw!1"},
          {"MARIADB_DATABASE", "bamort"},
          {"MARIADB_USER", "bamort"},
          {"DATABASE_TYPE", "mysql"}};
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
                          ":TopSecret99@tcp(h:1)/db", "bamort:TopSecret99@unix(/run/mysqld.sock)/bamort"}) {
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
  ASSERT_TRUE(Load({{"DATABASE_URL", "u:pw1234@tcp(urlhost:1000)/urldb"},
                    {"BAMORT_DB_HOST", "envhost"},
                    {"BAMORT_DB_PORT", "2000"}},
                   &c, flags)
                  .ok());
  EXPECT_EQ(c.host, "envhost");
  EXPECT_EQ(c.port, 4000u);
  EXPECT_EQ(c.name, "urldb");
  EXPECT_EQ(c.user, "u");
  EXPECT_EQ(c.password, "pw1234");
  EXPECT_EQ(c.password_source, "DATABASE_URL");
}

TEST(DbConfig, EveryFlagOverridesItsVariable) {
  std::string file = WriteTemp("flagpw", "FlagFilePw\n");
  DbFlags flags;
  flags.host = "flaghost";
  flags.port = "3310";
  flags.name = "flagdb";
  flags.user = "flaguser";
  flags.password_file = file;
  DbConfig c;
  ASSERT_TRUE(Load({{"BAMORT_DB_HOST", "h"}, {"BAMORT_DB_PORT", "1"}, {"BAMORT_DB_NAME", "n"},
                    {"BAMORT_DB_USER", "u"}, {"BAMORT_DB_PASSWORD", "EnvPw"}},
                   &c, flags)
                  .ok());
  EXPECT_EQ(c.Describe(), "flaguser@flaghost:3310/flagdb");
  EXPECT_EQ(c.password, "FlagFilePw");
  EXPECT_EQ(c.password_source, "--db-password-file " + file);
  EXPECT_EQ(c.host_source, "--db-host");
  EXPECT_EQ(c.user_source, "--db-user");
  EXPECT_EQ(c.name_source, "--db-name");
}

TEST(DbConfig, UpstreamEnvAloneConnectsToTheComposeServiceAsTheAppUser) {
  DbConfig c;
  ASSERT_TRUE(Load(UpstreamEnv(), &c).ok());
  EXPECT_EQ(c.Describe(), "bamort@mariadb:3306/bamort");
  EXPECT_TRUE(c.host_is_compose_default);
  EXPECT_EQ(c.password, "UserPw!1");  // never MARIADB_ROOT_PASSWORD
  EXPECT_EQ(c.password_source, "MARIADB_PASSWORD");
  EXPECT_EQ(c.user_source, "MARIADB_USER");
  EXPECT_EQ(c.name_source, "MARIADB_DATABASE");
}

TEST(DbConfig, RootPasswordIsNeverUsed) {
  DbConfig c;
  ASSERT_TRUE(Load({{"MARIADB_USER", "bamort"}, {"MARIADB_DATABASE", "bamort"}, {"MARIADB_ROOT_PASSWORD", "Root!"}},
                   &c)
                  .ok());
  EXPECT_EQ(c.password, "");
  EXPECT_EQ(c.password_source, "");
  // MARIADB_ROOT_PASSWORD does not make root the user either.
  Status s = Load({{"MARIADB_ROOT_PASSWORD", "Root!"}, {"MARIADB_DATABASE", "bamort"}}, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("MARIADB_USER"), std::string::npos) << s.message();
}

TEST(DbConfig, MariadbPasswordFileWinsOverMariadbPassword) {
  std::string file = WriteTemp("mariadbpw", "FromSecretFile\n");
  auto env = UpstreamEnv();
  env["MARIADB_PASSWORD_FILE"] = file;
  DbConfig c;
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.password, "FromSecretFile");
  EXPECT_EQ(c.password_source, "MARIADB_PASSWORD_FILE " + file);
}

TEST(DbConfig, DatabaseUrlOverridesMariadbVariables) {
  auto env = UpstreamEnv();
  env["DATABASE_URL"] = "urluser:UrlPw@tcp(dbhost:3307)/urldb?charset=utf8mb4&parseTime=True&loc=Local";
  DbConfig c;
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.Describe(), "urluser@dbhost:3307/urldb");
  EXPECT_EQ(c.password, "UrlPw");
  EXPECT_EQ(c.host_source, "DATABASE_URL");
}

TEST(DbConfig, UrlWithoutPasswordKeepsTheMariadbPassword) {
  auto env = UpstreamEnv();
  env["DATABASE_URL"] = "bamort@tcp(mariadb:3306)/bamort";
  DbConfig c;
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.password, "UserPw!1");
  EXPECT_EQ(c.password_source, "MARIADB_PASSWORD");
}

TEST(DbConfig, BamortVariablesOverrideUrlAndMariadbVariables) {
  auto env = UpstreamEnv();
  env["DATABASE_URL"] = "urluser:UrlPw@tcp(dbhost:3307)/urldb";
  env["BAMORT_DB_USER"] = "envuser";
  env["BAMORT_DB_NAME"] = "envdb";
  env["BAMORT_DB_PASSWORD"] = "EnvPw";
  DbConfig c;
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.Describe(), "envuser@dbhost:3307/envdb");
  EXPECT_EQ(c.password, "EnvPw");
  EXPECT_EQ(c.password_source, "BAMORT_DB_PASSWORD");
}

TEST(DbConfig, PlainPasswordOfAHigherFamilyWinsOverAFileOfALowerOne) {
  std::string file = WriteTemp("lowerfile", "LowerFamilyFile\n");
  auto env = UpstreamEnv();
  env["MARIADB_PASSWORD_FILE"] = file;
  env["BAMORT_DB_PASSWORD"] = "HigherPlain";
  DbConfig c;
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.password, "HigherPlain");
}

TEST(DbConfig, OnlyTheWinningPasswordFileIsRead) {
  // A MARIADB_PASSWORD_FILE that exists only inside the database container does not stop
  // a job whose BAMORT_DB_PASSWORD_FILE overrides it.
  std::string file = WriteTemp("winner", "Winner\n");
  auto env = UpstreamEnv();
  env["MARIADB_PASSWORD_FILE"] = "/nonexistent/run/secrets/db";
  env["BAMORT_DB_PASSWORD_FILE"] = file;
  DbConfig c;
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.password, "Winner");
}

TEST(DbConfig, HostDefaultsToLoopbackWithoutMariadbSettings) {
  DbConfig c;
  ASSERT_TRUE(Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}}, &c).ok());
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.host_source, "default");
}

TEST(DbConfig, ComposeHostOnlyWhenAMariadbVariableSuppliesASetting) {
  DbConfig c;
  // MARIADB_* set but every setting overridden by BAMORT_DB_*: the loopback default stays.
  auto env = UpstreamEnv();
  env["BAMORT_DB_USER"] = "u";
  env["BAMORT_DB_NAME"] = "d";
  env["BAMORT_DB_PASSWORD"] = "p";
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.host, "127.0.0.1");
  // Only the password from the image's variables: that is enough for the compose host.
  ASSERT_TRUE(Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}, {"MARIADB_PASSWORD", "p"}}, &c).ok());
  EXPECT_EQ(c.host, "mariadb");
  EXPECT_EQ(c.port, 3306u);
}

TEST(DbConfig, BamortDbHostAndFlagWinOverTheComposeDefault) {
  DbConfig c;
  auto env = UpstreamEnv();
  env["BAMORT_DB_HOST"] = "10.0.0.5";
  env["BAMORT_DB_PORT"] = "3307";
  ASSERT_TRUE(Load(env, &c).ok());
  EXPECT_EQ(c.Describe(), "bamort@10.0.0.5:3307/bamort");
  EXPECT_FALSE(c.host_is_compose_default);
  DbFlags flags;
  flags.host = "flaghost";
  ASSERT_TRUE(Load(UpstreamEnv(), &c, flags).ok());
  EXPECT_EQ(c.host, "flaghost");
}

TEST(DbConfig, PortOutOfRangeIsBadInputNamingTheSetting) {
  DbConfig c;
  Status s = Load({{"BAMORT_DB_PORT", "70000"}, {"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}}, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("BAMORT_DB_PORT"), std::string::npos);
  DbFlags flags;
  flags.port = "33o6";
  s = Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}}, &c, flags);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("--db-port"), std::string::npos);
}

TEST(DbConfig, BadConnectTimeoutIsBadInput) {
  DbConfig c;
  for (const char* bad : {"0", "10s", "-1", "-0", " 5", "1.5", "99999999", "3601", "999999"}) {
    Status s = Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}, {"BAMORT_DB_CONNECT_TIMEOUT", bad}}, &c);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << bad;
    EXPECT_NE(s.message().find("BAMORT_DB_CONNECT_TIMEOUT"), std::string::npos);
  }
  ASSERT_TRUE(Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}, {"BAMORT_DB_CONNECT_TIMEOUT", "3"}}, &c).ok());
  EXPECT_EQ(c.connect_timeout_seconds, 3u);
  ASSERT_TRUE(Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}, {"BAMORT_DB_CONNECT_TIMEOUT", "3600"}}, &c).ok());
  EXPECT_EQ(c.connect_timeout_seconds, 3600u);
}

TEST(DbConfig, MissingUserOrNameNamesEverySettingThatCouldGiveIt) {
  DbConfig c;
  Status s = Load({{"BAMORT_DB_NAME", "d"}}, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  for (const char* setting : {"BAMORT_DB_USER", "MARIADB_USER", "DATABASE_URL", "--db-user"}) {
    EXPECT_NE(s.message().find(setting), std::string::npos) << s.message();
  }
  s = Load({{"MARIADB_USER", "u"}}, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("MARIADB_DATABASE"), std::string::npos) << s.message();
  EXPECT_TRUE(LoadDbConfig(FakeEnv({{"MARIADB_USER", "u"}}), DbFlags(), false, &c).ok());
}

TEST(DbConfig, BadDatabaseNameNamesWhereItCameFrom) {
  DbConfig c;
  Status s = Load({{"MARIADB_USER", "u"}, {"MARIADB_DATABASE", "bam.ort"}}, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("MARIADB_DATABASE"), std::string::npos) << s.message();
}

TEST(DbConfig, MissingPasswordFileIsBadInputNamingTheSetting) {
  DbConfig c;
  Status s = Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}, {"BAMORT_DB_PASSWORD_FILE", "/nonexistent/secret"}},
                  &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("BAMORT_DB_PASSWORD_FILE"), std::string::npos);
  EXPECT_NE(s.message().find("/nonexistent/secret"), std::string::npos);
}

TEST(DbConfig, BadPasswordFilesAreBadInputNamingVariableAndPathNeverTheContent) {
  struct Case {
    std::string name;
    std::string content;
    std::string says;
  };
  std::vector<Case> cases = {
      {"empty", "", "is empty"},
      {"onlynewline", "\n\r\n", "is empty"},
      {"twolines", "SecretLineOne\nSecretLineTwo\n", "more than one line"},
      {"nul", std::string("Secret\0Tail", 11), "NUL"},
      {"toolarge", std::string(kMaxPasswordFileBytes + 1, 'S'), "larger than"},
  };
  for (const Case& k : cases) {
    std::string path = WriteTemp("bad_" + k.name, k.content);
    for (const char* variable : {"MARIADB_PASSWORD_FILE", "BAMORT_DB_PASSWORD_FILE"}) {
      DbConfig c;
      Status s = Load({{"MARIADB_USER", "u"}, {"MARIADB_DATABASE", "d"}, {variable, path}}, &c);
      EXPECT_EQ(s.code(), StatusCode::kBadInput) << k.name;
      EXPECT_NE(s.message().find(variable), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(k.says), std::string::npos) << s.message();
      EXPECT_EQ(s.message().find("Secret"), std::string::npos) << s.message();
      EXPECT_EQ(s.message().find("SSSS"), std::string::npos);
    }
  }
  DbConfig c;
  DbFlags flags;
  flags.password_file = ::testing::TempDir();
  Status s = Load({{"MARIADB_USER", "u"}, {"MARIADB_DATABASE", "d"}}, &c, flags);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("--db-password-file"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("directory"), std::string::npos) << s.message();
}

TEST(DbConfig, PasswordFileAtTheSizeLimitIsRead) {
  std::string pw(kMaxPasswordFileBytes - 1, 'x');
  std::string path = WriteTemp("atlimit", pw + "\n");
  DbConfig c;
  ASSERT_TRUE(Load({{"MARIADB_USER", "u"}, {"MARIADB_DATABASE", "d"}, {"MARIADB_PASSWORD_FILE", path}}, &c).ok());
  EXPECT_EQ(c.password, pw);
}

TEST(DbConfig, UnreadablePasswordFileIsBadInput) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  std::string path = WriteTemp("unreadable", "Pw\n");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  DbConfig c;
  Status s = Load({{"MARIADB_USER", "u"}, {"MARIADB_DATABASE", "d"}, {"MARIADB_PASSWORD_FILE", path}}, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("MARIADB_PASSWORD_FILE"), std::string::npos);
}

TEST(DbConfig, PasswordFileWinsAndIsRedactedEverywhere) {
  std::string path = WriteTemp("pw", "FromTheFile!42\r\n");
  DbConfig c;
  ASSERT_TRUE(Load({{"BAMORT_DB_USER", "u"}, {"BAMORT_DB_NAME", "d"}, {"BAMORT_DB_PASSWORD", "FromTheEnv!42"},
                    {"BAMORT_DB_PASSWORD_FILE", path}},
                   &c)
                  .ok());
  EXPECT_EQ(c.password, "FromTheFile!42");
  EXPECT_EQ(Redact("login with FromTheFile!42 failed"), "login with *** failed");
}

TEST(DbConfig, MariadbPasswordIsRedactedToo) {
  DbConfig c;
  ASSERT_TRUE(Load({{"MARIADB_USER", "u"}, {"MARIADB_DATABASE", "d"}, {"MARIADB_PASSWORD", "ImagePw#77"}}, &c).ok());
  EXPECT_EQ(Redact("x ImagePw#77 y"), "x *** y");
}

}  // namespace bamort
