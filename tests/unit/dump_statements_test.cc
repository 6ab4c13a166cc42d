// DumpStatementSplitter and ClassifyDumpStatement on the shapes mariadb-dump writes.
#include "backup/dump_statements.h"

#include <gtest/gtest.h>

namespace bamort {
namespace {

std::vector<DumpStatementSplitter::Statement> Split(const std::vector<std::string>& lines) {
  DumpStatementSplitter splitter;
  std::vector<DumpStatementSplitter::Statement> out;
  uint64_t n = 0;
  for (const std::string& line : lines) EXPECT_TRUE(splitter.AddLine(line, ++n, &out).ok()) << line;
  EXPECT_TRUE(splitter.Finish().ok());
  EXPECT_TRUE(splitter.at_boundary());
  return out;
}

TEST(DumpStatements, HeaderTableTriggerAndRoutineBlocks) {
  auto st = Split({
      "/*M!999999\\- enable the sandbox mode */ ",
      "-- MariaDB dump 10.19",
      "/*!40101 SET NAMES utf8mb4 */;",
      "/*!40103 SET TIME_ZONE='+00:00' */;",
      "DROP TABLE IF EXISTS `a;b`;",
      "CREATE TABLE `a;b` (",
      "  `note` text DEFAULT 'x;y -- z' /* a comment; */",
      ") ENGINE=InnoDB;",
      "DELIMITER ;;",
      "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT ON `a;b` FOR EACH ROW "
      "BEGIN SET NEW.note = 'it''s; */ here'; SET NEW.note = CONCAT(NEW.note, '\\';'); END */;;",
      "DELIMITER ;",
      "/*!50003 SET sql_mode = @saved_sql_mode */ ;",
      "DELIMITER ;;",
      "CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()",
      "BEGIN",
      "  SELECT 'multi",
      "line;';",
      "END ;;",
      "DELIMITER ;",
  });
  ASSERT_EQ(st.size(), 7u);
  EXPECT_EQ(st[0].text, "/*!40101 SET NAMES utf8mb4 */");
  EXPECT_EQ(st[0].line, 3u);
  EXPECT_EQ(st[2].text, "DROP TABLE IF EXISTS `a;b`");
  EXPECT_EQ(st[3].text, "CREATE TABLE `a;b` (\n  `note` text DEFAULT 'x;y -- z' \n) ENGINE=InnoDB");
  EXPECT_EQ(st[3].line, 6u);
  EXPECT_NE(st[4].text.find("END */"), std::string::npos);
  EXPECT_EQ(st[5].text, "/*!50003 SET sql_mode = @saved_sql_mode */");
  EXPECT_EQ(st[6].text.substr(0, 6), "CREATE");
  EXPECT_NE(st[6].text.find("'multi\nline;';\nEND"), std::string::npos);
  EXPECT_EQ(ClassifyDumpStatement(st[0].text), DumpStatementKind::kSession);
  EXPECT_EQ(ClassifyDumpStatement(st[2].text), DumpStatementKind::kOther);
  EXPECT_EQ(ClassifyDumpStatement(st[3].text), DumpStatementKind::kOther);
  EXPECT_EQ(ClassifyDumpStatement(st[4].text), DumpStatementKind::kDeferred);
  EXPECT_EQ(ClassifyDumpStatement(st[6].text), DumpStatementKind::kOther);
}

TEST(DumpStatements, ClassifiesTriggersEventsViewsAndSettings) {
  EXPECT_EQ(ClassifyDumpStatement("/*!50106 CREATE*/ /*!50117 DEFINER=`u`@`%`*/ /*!50106 EVENT `e` ON SCHEDULE"),
            DumpStatementKind::kDeferred);
  EXPECT_EQ(ClassifyDumpStatement("CREATE OR REPLACE DEFINER=CURRENT_USER TRIGGER x AFTER UPDATE ON t"),
            DumpStatementKind::kDeferred);
  EXPECT_EQ(ClassifyDumpStatement("/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`r`@`l` SQL SECURITY "
                                  "DEFINER */ /*!50001 VIEW `v` AS select 1 */"),
            DumpStatementKind::kOther);
  EXPECT_EQ(ClassifyDumpStatement("set @saved_cs_client = @@character_set_client"), DumpStatementKind::kSession);
  EXPECT_EQ(ClassifyDumpStatement("INSERT INTO `t` VALUES (1)"), DumpStatementKind::kOther);
}

TEST(DumpStatements, AnOpenStatementOrQuoteAtTheEndIsAnError) {
  DumpStatementSplitter s;
  std::vector<DumpStatementSplitter::Statement> out;
  ASSERT_TRUE(s.AddLine("CREATE TABLE t (a int)", 1, &out).ok());
  EXPECT_FALSE(s.Finish().ok());
  DumpStatementSplitter q;
  ASSERT_TRUE(q.AddLine("SELECT 'abc", 1, &out).ok());
  EXPECT_FALSE(q.Finish().ok());
  EXPECT_FALSE(q.at_boundary());
}

}  // namespace
}  // namespace bamort
