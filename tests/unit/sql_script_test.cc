#include "db/sql_script.h"

#include <gtest/gtest.h>

namespace bamort {

TEST(SqlScript, SplitsOnSemicolonsOutsideQuotesAndComments) {
  std::string sql =
      "-- leading comment; not a statement\n"
      "CREATE TABLE a (x INT);\n"
      "INSERT INTO a VALUES (';'), (\"x;y\"), ('it''s; fine'), ('back\\'slash;');\n"
      "/* block; comment */ UPDATE `we;ird` SET x = 1 # trailing; comment\n"
      ";\n"
      "SELECT 1 /*! executable; */;\n"
      "  \n";
  std::vector<SqlStatement> out;
  ASSERT_TRUE(SplitSqlStatements(sql, "t.sql", &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].text, "CREATE TABLE a (x INT)");
  EXPECT_EQ(out[0].line, 2);
  EXPECT_EQ(out[1].text, "INSERT INTO a VALUES (';'), (\"x;y\"), ('it''s; fine'), ('back\\'slash;')");
  EXPECT_EQ(out[1].line, 3);
  EXPECT_EQ(out[2].text.rfind("UPDATE `we;ird` SET x = 1", 0), 0u);
  EXPECT_EQ(out[2].line, 4);
  EXPECT_EQ(out[3].text, "SELECT 1 /*! executable; */");
}

TEST(SqlScript, LastStatementWithoutSemicolonCounts) {
  std::vector<SqlStatement> out;
  ASSERT_TRUE(SplitSqlStatements("SELECT 1;\nSELECT 2", "t.sql", &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].text, "SELECT 2");
  EXPECT_EQ(out[1].line, 2);
}

TEST(SqlScript, UnterminatedQuoteNamesFileAndLine) {
  std::vector<SqlStatement> out;
  Status s = SplitSqlStatements("SELECT 1;\nSELECT 'oops;\n", "m.sql", &out);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("m.sql line 2"), std::string::npos) << s.message();
}

TEST(SqlScript, DelimiterIsRefusedWithAReason) {
  std::vector<SqlStatement> out;
  Status s = SplitSqlStatements("DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\n", "m.sql", &out);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("DELIMITER"), std::string::npos);
}

}  // namespace bamort
