// The parallel loader of SQL dumps (lib/backup/parallel_load.h) against a real MariaDB:
// a dump made by DumpSqlToGzip of several tables, a big table in many chunks, a view, a
// trigger and a routine restores to the same rows and CHECKSUM TABLE (the manifest's
// comparison), and a failing statement stops every worker with an error naming its table.
#include <unistd.h>

#include <Poco/File.h>

#include "backup/gzip_file.h"
#include "backup/parallel_load.h"
#include "backup/sql_dump.h"
#include "backup/table_stats.h"
#include "test_support.h"

namespace bamort::testing {
namespace {

std::string TempFile(const std::string& tag) {
  static int n = 0;
  return ::testing::TempDir() + "/pl-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "-" + tag;
}

// Tables a_parent, b_child (FK, awkward strings, a trigger that would change rows if it
// fired during the load), c_bin (binary), d_big (big_rows rows of ~1 KB), a view, a
// procedure whose body holds ';' and quotes.
void FillSource(const ScratchDatabase& db, int big_rows) {
  auto conn = db.Connect();
  const std::string statements[] = {
      "CREATE TABLE a_parent (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB",
      "CREATE TABLE b_child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT NOT NULL, note TEXT, "
      "KEY k_parent (parent_id), CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES a_parent (id)) "
      "ENGINE=InnoDB",
      "CREATE TABLE c_bin (id INT PRIMARY KEY, data VARBINARY(64), at TIMESTAMP NULL) ENGINE=InnoDB",
      "CREATE TABLE d_big (id INT PRIMARY KEY, payload MEDIUMTEXT) ENGINE=InnoDB",
      "INSERT INTO a_parent SELECT seq, CONCAT('Held ', seq) FROM seq_1_to_50",
      "INSERT INTO b_child (parent_id, note) VALUES (1, 'semicolon at the end;'), (2, 'line\\nbreak;\\n'), "
      "(3, 'quote '' and \\\\ backslash'), (4, NULL), (5, 'Ä ö ü ß 😀'), (6, '*/ -- # DELIMITER ;;'), "
      "(7, 'LOCK TABLES `x` WRITE;')",
      "INSERT INTO c_bin VALUES (1, 0x00FF0A0D275C3B, '2026-01-02 03:04:05'), (2, '', NULL), (3, NULL, NULL)",
      "INSERT INTO d_big SELECT seq, CONCAT(seq, ':', REPEAT(SHA2(seq, 256), 16)) FROM seq_1_to_" +
          std::to_string(big_rows),
      "CREATE VIEW v_child AS SELECT c.id, p.name, c.note FROM b_child c JOIN a_parent p ON p.id = c.parent_id",
      "CREATE TRIGGER t_child BEFORE INSERT ON b_child FOR EACH ROW SET NEW.note = CONCAT(COALESCE(NEW.note, ''), "
      "' (trigger; fired)')",
      "CREATE PROCEDURE p_count(OUT n INT) BEGIN DECLARE x INT DEFAULT 0; SELECT COUNT(*) INTO x FROM b_child; "
      "SET n = x; END"};
  for (const std::string& sql : statements) ASSERT_TRUE(conn->Execute(sql).ok()) << sql;
}

std::string Dump(const ScratchDatabase& db) {
  std::string path = TempFile("dump.sql.gz");
  DumpResult dumped;
  Status s = DumpSqlToGzip(db.config(), path, nullptr, nullptr, &dumped);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

TableStats Stats(const ScratchDatabase& db) {
  auto conn = db.Connect();
  TableStats stats;
  Status s = ReadTableStats(conn.get(), db.name(), &stats);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return stats;
}

std::vector<std::string> Objects(const ScratchDatabase& db) {
  std::vector<std::string> out;
  auto conn = db.Connect();
  const char* queries[] = {
      "SELECT CONCAT('view ', TABLE_NAME, ' ', VIEW_DEFINITION) FROM information_schema.VIEWS "
      "WHERE TABLE_SCHEMA = DATABASE()",
      "SELECT CONCAT('trigger ', TRIGGER_NAME, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ', "
      "EVENT_OBJECT_TABLE, ' ', ACTION_STATEMENT, ' ', SQL_MODE) FROM information_schema.TRIGGERS "
      "WHERE TRIGGER_SCHEMA = DATABASE()",
      "SELECT CONCAT('routine ', ROUTINE_NAME, ' ', ROUTINE_DEFINITION) FROM information_schema.ROUTINES "
      "WHERE ROUTINE_SCHEMA = DATABASE()"};
  for (const char* q : queries) {
    ResultSet rs;
    EXPECT_TRUE(conn->Query(q, &rs).ok()) << q;
    for (size_t i = 0; i < rs.size(); ++i) {
      std::string line = rs.GetString(i, 0);
      // a view's definition names its database
      for (size_t p; (p = line.find(db.name())) != std::string::npos;) line.replace(p, db.name().size(), "DB");
      out.push_back(line);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ParallelLoad, TablesViewsTriggersRoutinesAndABigTableInChunksRestoreExactly) {
  ScratchDatabase src("pl_src"), dst("pl_dst");
  FillSource(src, 4000);
  std::string dump = Dump(src);
  ParallelLoadOptions options;
  options.workers = 2;
  options.chunk_bytes = 64 * 1024;  // d_big (~4 MB) in many chunks
  options.queued_chunks = 2;
  ParallelLoadResult result;
  Status s = ParallelLoadSqlDump(ServerConfig(), dst.name(), dump, options, nullptr, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(result.chunks, 5u);  // d_big: one chunk per INSERT of mariadb-dump (~1 MB each)
  EXPECT_EQ(result.tables_with_data, 4u);
  EXPECT_EQ(result.deferred_statements, 1u);  // the trigger, after the data

  TableStats expected = Stats(src), restored = Stats(dst);
  EXPECT_EQ(expected.size(), 4u);
  EXPECT_EQ(CompareTableStats(expected, restored), std::vector<std::string>{});
  EXPECT_EQ(dst.SchemaSignature(), src.SchemaSignature());
  EXPECT_EQ(Objects(dst), Objects(src));
  EXPECT_EQ(dst.Count("SELECT COUNT(*) FROM b_child WHERE note LIKE '%(trigger; fired)'"),
            src.Count("SELECT COUNT(*) FROM b_child WHERE note LIKE '%(trigger; fired)'"));
  // The trigger is there and works after the load.
  auto conn = dst.Connect();
  ASSERT_TRUE(conn->Execute("INSERT INTO b_child (parent_id, note) VALUES (1, 'new')").ok());
  EXPECT_EQ(dst.Scalar("SELECT note FROM b_child WHERE note LIKE 'new%'"), "new (trigger; fired)");

  // LoadSqlDump, what bamort-restore and backup --verify call, is this loader.
  ScratchDatabase again("pl_again");
  s = LoadSqlDump(ServerConfig(), again.name(), dump, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CompareTableStats(expected, Stats(again)), std::vector<std::string>{});
}

// The dump of a_fail holds its INSERT twice (a duplicate key); d_big follows in several
// chunks. The worker that fails stops the reader and the other worker.
TEST(ParallelLoad, AFailingStatementStopsEveryWorkerAndNamesItsTable) {
  ScratchDatabase src("pl_fsrc"), dst("pl_fdst");
  FillSource(src, 30000);  // d_big: ~30 chunks, far more than the queue and the other worker hold
  auto conn = src.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE a_fail (id INT PRIMARY KEY, v INT)").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO a_fail SELECT seq, seq FROM seq_1_to_10").ok());
  std::string dump = Dump(src);

  std::string broken = TempFile("broken.sql.gz");
  GzipFileWriter writer;
  ASSERT_TRUE(writer.Open(broken).ok());
  uint64_t total = 0;
  std::string insert;  // the INSERT of a_fail (one line or one tuple per line), written twice
  Status read = ReadGzipLines(dump, [&](std::string_view line) {
    std::string text = std::string(line) + "\n";
    total += text.size();
    if (insert.empty() && line.rfind("INSERT INTO `a_fail`", 0) != 0) return writer.Write(text);
    insert += text;
    if (line.empty() || line.back() != ';') return Status::Ok();
    Status w = writer.Write(insert + insert);
    insert.clear();
    return w;
  });
  ASSERT_TRUE(read.ok()) << read.ToString();
  ASSERT_TRUE(writer.Finish().ok());

  ParallelLoadOptions options;
  options.workers = 2;
  options.chunk_bytes = 16 * 1024;
  options.queued_chunks = 1;
  ParallelLoadResult result;
  Status s = ParallelLoadSqlDump(ServerConfig(), dst.name(), broken, options, nullptr, &result);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("table `a_fail`"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("Duplicate entry"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("INSERT INTO `a_fail`"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.db_errno(), 1062u);
  // The reader stopped long before the end of d_big, and nothing deferred ran.
  EXPECT_LT(result.sql_bytes, total);
  if (dst.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                "TABLE_NAME = 'd_big'") > 0) {
    EXPECT_LT(dst.Count("SELECT COUNT(*) FROM d_big"), 30000);
  }
  EXPECT_EQ(dst.Count("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"), 0);
}

}  // namespace
}  // namespace bamort::testing
