// The restore's checks of a set before its first destructive statement
// (backup/restore_checks.h), on files written here, without a database.
#include "backup/restore_checks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "backup/dump_stream.h"
#include "backup/gzip_file.h"

namespace bamort {
namespace {

// The shapes mariadb-dump 10.11 writes around the data (tuples one per line or on one line).
const char* kDump =
    "-- MariaDB dump\n"
    "DROP TABLE IF EXISTS `a`;\n"
    "CREATE TABLE `a` (\n  `id` int\n);\n"
    "LOCK TABLES `a` WRITE;\n"
    "/*!40000 ALTER TABLE `a` DISABLE KEYS */;\n"
    "INSERT INTO `a` VALUES\n"
    "(1,'x\\'),(y',NULL,0x00FF),\n"
    "(2,'CREATE VIEW `no`',NULL,0x);\n"
    "INSERT INTO `a` VALUES (3,'DEFINER=`evil`@`%`',NULL,0x61),(4,'',NULL,NULL);\n"
    "/*!40000 ALTER TABLE `a` ENABLE KEYS */;\n"
    "UNLOCK TABLES;\n"
    "LOCK TABLES `we``ird` WRITE;\n"
    "UNLOCK TABLES;\n"
    "DELIMITER ;;\n"
    "/*!50003 CREATE*/ /*!50017 DEFINER=`app`@`%`*/ /*!50003 TRIGGER t AFTER INSERT ON a FOR EACH ROW\n"
    "INSERT INTO `a` VALUES (9,9) */;;\n"
    "DELIMITER ;\n"
    "/*!50001 DROP VIEW IF EXISTS `v`*/;\n"
    "/*!50001 CREATE ALGORITHM=UNDEFINED */\n"
    "/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n"
    "/*!50001 VIEW `v` AS select 1 AS `one` */;\n"
    "-- Dump completed\n";

std::string TempPath(const std::string& tag) {
  return ::testing::TempDir() + "/restore-checks-" + std::to_string(getpid()) + "-" + tag;
}

std::string WriteGzip(const std::string& tag, const std::string& text) {
  std::string path = TempPath(tag);
  std::remove(path.c_str());
  GzipFileWriter w;
  EXPECT_TRUE(w.Open(path).ok());
  EXPECT_TRUE(w.Write(text).ok());
  EXPECT_TRUE(w.Finish().ok());
  return path;
}

TEST(DumpStreamParser, CountsOnlyWithoutAListenerInAnyPieces) {
  std::string dump = kDump;
  for (size_t piece : {dump.size(), size_t{1}, size_t{5}}) {
    DumpStreamParser p(nullptr);
    for (size_t i = 0; i < dump.size(); i += piece) ASSERT_TRUE(p.Feed(std::string_view(dump).substr(i, piece)).ok());
    ASSERT_TRUE(p.Finish().ok());
    EXPECT_EQ(p.rows(), (std::map<std::string, uint64_t>{{"a", 4}, {"we`ird", 0}})) << piece;
  }
  DumpStreamParser truncated(nullptr);
  ASSERT_TRUE(truncated.Feed(std::string(kDump).substr(0, 200)).ok());
  EXPECT_FALSE(truncated.Finish().ok());
}

TEST(RestoreChecks, SqlDumpGivesRowsStatementKindsAndDefinersButNotFromData) {
  std::string path = WriteGzip("dump.sql.gz", kDump);
  SetContent c;
  ASSERT_TRUE(ScanSqlDump(path, &c).ok());
  EXPECT_EQ(c.rows, (std::map<std::string, uint64_t>{{"a", 4}, {"we`ird", 0}}));
  EXPECT_EQ(c.needs, (std::set<std::string>{"DROP", "LOCK TABLES", "ALTER", "TRIGGER", "CREATE VIEW"}));
  EXPECT_EQ(c.views, (std::vector<std::string>{"v"}));
  EXPECT_EQ(c.definers, (std::set<std::string>{"app@%", "root@localhost"}));  // not evil@% from a value
  EXPECT_EQ(RestorePrivileges(c, RestorePrivilegeNeeds()),
            (std::vector<std::string>{"CREATE", "DROP", "INSERT", "ALTER", "LOCK TABLES", "CREATE VIEW", "TRIGGER"}));
  RestorePrivilegeNeeds drop_routines;
  drop_routines.drop_routines = true;
  EXPECT_EQ(RestorePrivileges(SetContent(), drop_routines),
            (std::vector<std::string>{"CREATE", "DROP", "INSERT", "ALTER ROUTINE"}));
  // A dump the parser cannot read is bad input naming the file.
  std::string bad = WriteGzip("bad.sql.gz", "LOCK TABLES `a` WRITE;\nINSERT INTO `a` (`id`) VALUES (1);\n");
  Status s = ScanSqlDump(bad, &c);
  EXPECT_EQ(s.code(), StatusCode::kBadInput) << s.ToString();
  EXPECT_NE(s.message().find(bad), std::string::npos);
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

TEST(RestoreChecks, ManifestRowsAndTablesAgainstTheFile) {
  SetContent c;
  c.rows = {{"a", 4}, {"b", 0}};
  Manifest m;
  m.tables["a"].rows = 4;
  m.tables["b"].rows = 0;
  std::vector<std::string> diffs;
  EXPECT_TRUE(CheckContentAgainstManifest(m, "dump.sql.gz", c, &diffs).ok());
  EXPECT_TRUE(diffs.empty());
  m.tables["a"].rows = 5;
  m.tables.erase("b");
  m.tables["c"].rows = 1;
  Status s = CheckContentAgainstManifest(m, "dump.sql.gz", c, &diffs);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(diffs, (std::vector<std::string>{"table a: 4 rows in dump.sql.gz, the manifest says 5",
                                             "table c: in the manifest, not in dump.sql.gz",
                                             "table b: in dump.sql.gz, not in the manifest"}));
  EXPECT_NE(s.message().find("(and 2 more)"), std::string::npos) << s.message();
}

TEST(RestoreChecks, JsonExportRowsAreCountedAndItsOwnCountsChecked) {
  const std::string head = "{\"format\":\"bamort-json-export\",\"format_version\":1,\"database\":\"d\",\"created_at\":\"x\"}\n";
  const std::string table_a = "{\"table\":\"a\",\"create\":\"CREATE TABLE a (id INT)\",\"columns\":[]}\n[\"1\"]\n[\"2\"]\n";
  const std::string view =
      "{\"view\":\"v\",\"create\":\"CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` VIEW `v` AS select 1\"}\n";
  std::string good = WriteGzip("good.jsonl.gz", head + table_a + "{\"end\":\"a\",\"rows\":2}\n" + view +
                                                   "{\"end_of_export\":true,\"tables\":1,\"rows\":2}\n");
  SetContent c;
  ASSERT_TRUE(ScanJsonExport(good, &c).ok());
  EXPECT_EQ(c.rows, (std::map<std::string, uint64_t>{{"a", 2}}));
  EXPECT_EQ(c.needs, (std::set<std::string>{"CREATE VIEW"}));
  EXPECT_EQ(c.definers, (std::set<std::string>{"root@localhost"}));
  struct Case {
    std::string text, says;
  } cases[] = {
      {head + table_a + "{\"end\":\"a\",\"rows\":3}\n{\"end_of_export\":true,\"tables\":1,\"rows\":3}\n",
       "table a has 2 rows in the export, its end line says 3"},
      {head + table_a + "{\"end\":\"a\",\"rows\":2}\n{\"end_of_export\":true,\"tables\":1,\"rows\":5}\n",
       "the trailer says 1 tables and 5 rows"},
      {head + table_a + "{\"end\":\"a\",\"rows\":2}\n", "ends before the end of the export"},
      {head + table_a + "{\"end\":\"a\",\"rows\":2}\n{\"end_of_export\":true,\"tab", "not JSON"},
  };
  for (const Case& k : cases) {
    std::string path = WriteGzip("bad.jsonl.gz", k.text);
    Status s = ScanJsonExport(path, &c);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << k.says;
    EXPECT_NE(s.message().find(k.says), std::string::npos) << s.message();
    std::remove(path.c_str());
  }
  std::remove(good.c_str());
}

}  // namespace
}  // namespace bamort
