#include "config/dotenv.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace bamort {

namespace {

std::map<std::string, std::string> Parse(const std::string& text, DotenvFile* file = nullptr) {
  DotenvFile f;
  Status s = ParseDotenv("test.env", text, &f);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, std::string> out;
  for (const DotenvEntry& e : f.entries) out[e.key] = e.value;
  if (file) *file = f;
  return out;
}

Status ParseError(const std::string& text) {
  DotenvFile f;
  return ParseDotenv("/etc/bamort/prod.env", text, &f);
}

}  // namespace

// The shape of upstream Bamort's docker/.env.example (our own values): section comments,
// a commented-out DATABASE_URL with ( ) & ? in it, MARIADB_* and unrelated app settings.
TEST(Dotenv, ReadsTheShapeOfUpstreamsEnvExample) {
  const std::string text =
      "# Settings of a production host\n"
      "# copy to .env and fill in\n"
      "\n"
      "#- API\n"
      "API_URL=https://api.example.org\n"
      "\n"
      "#- Database of the backend\n"
      "DATABASE_TYPE=mysql\n"
      "#DATABASE_URL=app:pw@tcp(mariadb:3306)/app?charset=utf8mb4&parseTime=True&loc=Local\n"
      "\n"
      "#- MariaDB \n"
      "MARIADB_ROOT_PASSWORD=root_secret_value\n"
      "MARIADB_PASSWORD=user_secret_value\n"
      "MARIADB_DATABASE=bamort\n"
      "MARIADB_USER=bamort\n"
      "\n"
      "API_PORT=8180\n"
      "TEMPLATES_DIR=./templates\n"
      "COMPOSE_PROJECT_NAME=bamort\n";
  DotenvFile file;
  auto v = Parse(text, &file);
  EXPECT_EQ(v.size(), 9u);
  EXPECT_EQ(v["MARIADB_PASSWORD"], "user_secret_value");
  EXPECT_EQ(v["MARIADB_USER"], "bamort");
  EXPECT_EQ(v["API_URL"], "https://api.example.org");
  EXPECT_EQ(v["TEMPLATES_DIR"], "./templates");
  EXPECT_EQ(v.count("DATABASE_URL"), 0u);
  EXPECT_TRUE(file.warnings.empty());
  EXPECT_EQ(file.entries.front().line, 5);

  // The same file with the DATABASE_URL line switched on: shell would choke on ( ) & ?.
  v = Parse("DATABASE_URL=app:pw@tcp(mariadb:3306)/app?charset=utf8mb4&parseTime=True&loc=Local\n");
  EXPECT_EQ(v["DATABASE_URL"], "app:pw@tcp(mariadb:3306)/app?charset=utf8mb4&parseTime=True&loc=Local");
}

TEST(Dotenv, ValuesWithShellCharactersAreTakenAsWritten) {
  DotenvFile file;
  auto v = Parse("A=x(1)&y?z;w=v\nBAMORT_DB_PASSWORD=$(rm -rf /tmp/nothing);`id`\nC=semi;colon\nD=a=b=c\n"
                 "API_URL=https://x/$y\n",
                 &file);
  EXPECT_EQ(v["A"], "x(1)&y?z;w=v");
  EXPECT_EQ(v["BAMORT_DB_PASSWORD"], "$(rm -rf /tmp/nothing);`id`");
  EXPECT_EQ(v["C"], "semi;colon");
  EXPECT_EQ(v["D"], "a=b=c");
  EXPECT_EQ(v["API_URL"], "https://x/$y");
  ASSERT_EQ(file.warnings.size(), 1u);  // only for a key the jobs read, not API_URL
  EXPECT_NE(file.warnings[0].find("test.env:2"), std::string::npos) << file.warnings[0];
  EXPECT_NE(file.warnings[0].find(" BAMORT_DB_PASSWORD "), std::string::npos) << file.warnings[0];
  EXPECT_EQ(file.warnings[0].find("rm -rf"), std::string::npos) << "a warning never shows the value";
}

TEST(Dotenv, DollarIsLiteralAndNeverExpanded) {
  setenv("DOTENV_TEST_HOME", "expanded", 1);
  DotenvFile file;
  auto v = Parse("BAMORT_P1=$DOTENV_TEST_HOME\nBAMORT_P2=${DOTENV_TEST_HOME}\nBAMORT_P3=pa$$word\n"
                 "BAMORT_P4='sq$x'\nBAMORT_P5=\"dq$x \\$y\"\n",
                 &file);
  EXPECT_EQ(v["BAMORT_P1"], "$DOTENV_TEST_HOME");
  EXPECT_EQ(v["BAMORT_P2"], "${DOTENV_TEST_HOME}");
  EXPECT_EQ(v["BAMORT_P3"], "pa$$word");
  EXPECT_EQ(v["BAMORT_P4"], "sq$x");
  EXPECT_EQ(v["BAMORT_P5"], "dq$x $y");
  EXPECT_EQ(file.warnings.size(), 4u);  // not for the single-quoted value
  unsetenv("DOTENV_TEST_HOME");
}

TEST(Dotenv, ExportPrefixQuotesCommentsAndBlanks) {
  auto v = Parse(
      "export A=1\n"
      "  export   B = two words  \n"
      "C='single # not a comment' # comment\n"
      "D=\"double \\\"quoted\\\" \\\\ line\\nbreak\"   # comment\n"
      "E=value # trailing comment\n"
      "F=value#not-a-comment\n"
      "G=\n"
      "H= # only a comment\n"
      "I=''\n"
      "\t# indented comment\n"
      "   \n"
      "exported=yes\n"
      "export_X=1\n"
      "J=\"unknown \\q escape\"\n"
      "K=#hash\n");
  EXPECT_EQ(v["A"], "1");
  EXPECT_EQ(v["B"], "two words");
  EXPECT_EQ(v["C"], "single # not a comment");
  EXPECT_EQ(v["D"], "double \"quoted\" \\ line\nbreak");
  EXPECT_EQ(v["E"], "value");
  EXPECT_EQ(v["F"], "value#not-a-comment");
  EXPECT_EQ(v["G"], "");
  EXPECT_EQ(v["H"], "");
  EXPECT_EQ(v["I"], "");
  EXPECT_EQ(v["exported"], "yes");
  EXPECT_EQ(v["export_X"], "1");
  EXPECT_EQ(v["J"], "unknown \\q escape");
  EXPECT_EQ(v["K"], "#hash");
  EXPECT_EQ(v.size(), 13u);
}

TEST(Dotenv, CrlfLinesByteOrderMarkAndNoFinalNewline) {
  auto v = Parse("\xEF\xBB\xBF" "A=1\r\nB='two'\r\nC=3");
  EXPECT_EQ(v["A"], "1");
  EXPECT_EQ(v["B"], "two");
  EXPECT_EQ(v["C"], "3");
}

TEST(Dotenv, LaterLineWins) {
  DotenvFile file;
  Parse("A=first\nA=second\n", &file);
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.entries[1].value, "second");
  EXPECT_EQ(file.entries[1].line, 2);
}

TEST(Dotenv, MalformedLinesNameFileAndLineNeverTheText) {
  struct Case {
    std::string text;
    int line;
  };
  std::vector<Case> cases = {
      {"A=1\nSECRET_LINE_WITHOUT_EQUALS\n", 2},
      {"A=1\n\n1ABC=secretvalue\n", 3},
      {"BAD-KEY=secretvalue\n", 1},
      {"A='secretvalue\n", 1},
      {"# c\nA=\"secretvalue\n", 2},
      {"A='secret'value\n", 1},
      {"A=\"secret\"value\n", 1},
      {"=secretvalue\n", 1},
      {"export\n", 1},
      {std::string("A=secret\0value\n", 15), 1},
      {"source /etc/secretvalue\n", 1},
  };
  for (const Case& k : cases) {
    Status s = ParseError(k.text);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << k.text;
    std::string where = "/etc/bamort/prod.env:" + std::to_string(k.line) + ":";
    EXPECT_EQ(s.message().rfind(where, 0), 0u) << s.message();
    EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
  }
}

TEST(Dotenv, ReadFileErrorsNameTheFile) {
  DotenvFile file;
  Status s = ReadDotenvFile("/nonexistent/prod.env", &file);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("--env-file"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/nonexistent/prod.env"), std::string::npos) << s.message();

  std::string path = ::testing::TempDir() + "/dotenv_test_big.env";
  { std::ofstream(path) << std::string((1 << 20) + 10, '#'); }
  s = ReadDotenvFile(path, &file);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("larger than"), std::string::npos) << s.message();
}

TEST(Dotenv, OnlyTheVariablesTheJobsReadAreUsed) {
  for (const char* used : {"BAMORT_DB_HOST", "BAMORT_REPORTS_DIR", "DATABASE_URL", "MARIADB_USER", "MARIADB_PASSWORD",
                           "MARIADB_PASSWORD_FILE", "MARIADB_DATABASE"}) {
    EXPECT_TRUE(DotenvKeyIsUsed(used)) << used;
  }
  for (const char* ignored : {"MARIADB_ROOT_PASSWORD", "API_URL", "PATH", "LD_PRELOAD", "BAMORT_TEST_NOW",
                              "COMPOSE_PROJECT_NAME"}) {
    EXPECT_FALSE(DotenvKeyIsUsed(ignored)) << ignored;
  }
}

TEST(Dotenv, TheEnvironmentWinsOverTheFile) {
  setenv("BAMORT_DB_HOST", "from-environment", 1);
  setenv("BAMORT_DB_NAME", "", 1);  // set but empty counts as not set
  unsetenv("BAMORT_DB_USER");
  unsetenv("MARIADB_ROOT_PASSWORD");
  DotenvFile file;
  Parse("BAMORT_DB_HOST=from-file\nBAMORT_DB_NAME=filedb\nBAMORT_DB_USER=first\nBAMORT_DB_USER=second\n"
        "MARIADB_ROOT_PASSWORD=never\n",
        &file);
  DotenvApplied applied = ApplyDotenvToProcess(file);
  EXPECT_STREQ(std::getenv("BAMORT_DB_HOST"), "from-environment");
  EXPECT_STREQ(std::getenv("BAMORT_DB_NAME"), "filedb");
  EXPECT_STREQ(std::getenv("BAMORT_DB_USER"), "second");
  EXPECT_EQ(std::getenv("MARIADB_ROOT_PASSWORD"), nullptr);
  EXPECT_EQ(applied.kept, std::vector<std::string>({"BAMORT_DB_HOST"}));
  EXPECT_EQ(applied.set, std::vector<std::string>({"BAMORT_DB_NAME", "BAMORT_DB_USER"}));
  for (const char* k : {"BAMORT_DB_HOST", "BAMORT_DB_NAME", "BAMORT_DB_USER"}) unsetenv(k);
}

}  // namespace bamort
