// The database layer against a real MariaDB: the cases that break raw Poco 1.11.
#include <thread>

#include "db/collation_keys.h"
#include "db/multi_row_insert.h"
#include "db/named_lock.h"
#include "db/sql_script.h"
#include "db/statement_runner.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ScratchDatabase;

TEST(DbLayer, LongTextRoundTripsShortAndThreeMegabyteValues) {
  ScratchDatabase db("longtext");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, v LONGTEXT, b LONGBLOB, j JSON)").ok());
  std::string big(3 * 1024 * 1024, 'x');
  for (size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
  std::vector<std::string> values = {"", "a", std::string(149, 'q'), std::string(150, 'r'), std::string(151, 's'), big};
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (" + std::to_string(i) + ", " + conn->Quote(values[i]) + ", " +
                              conn->Quote(values[i]) + ", '{\"k\": 1}')")
                    .ok());
  }
  ResultSet rs;
  ASSERT_TRUE(conn->Query("SELECT id, v, b, j, JSON_VALUE(j, '$.k') FROM t ORDER BY id", &rs).ok());
  ASSERT_EQ(rs.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(rs.GetString(i, 1).size(), values[i].size()) << "row " << i;
    EXPECT_EQ(rs.GetString(i, 1), values[i]) << "row " << i;
    EXPECT_EQ(rs.GetString(i, 2), values[i]) << "row " << i;
    EXPECT_EQ(rs.GetString(i, 4), "1");
  }
}

TEST(DbLayer, Utf8mb4NullsUnsignedIdsAndMilliseconds) {
  ScratchDatabase db("types");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(191), "
                            "at DATETIME(3), flag TINYINT(1), n BIGINT)").ok());
  const std::string text = "Hä Öl ß 🎲 Schilde und Parierwaﬀen";
  ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (18446744073709551615, " + conn->Quote(text) +
                            ", '2025-12-29 10:11:12.345', 1, -9223372036854775808), (1, NULL, NULL, NULL, NULL)")
                  .ok());
  ResultSet rs;
  ASSERT_TRUE(conn->Query("SELECT id, name, at, flag, n FROM t ORDER BY id DESC", &rs).ok());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs.GetUInt64(0, 0), UINT64_MAX);
  EXPECT_TRUE(rs.columns[0].is_unsigned);
  EXPECT_EQ(rs.GetString(0, 1), text);
  EXPECT_EQ(rs.GetString(0, 2), "2025-12-29 10:11:12.345");
  EXPECT_EQ(rs.GetInt64(0, 3), 1);
  EXPECT_EQ(rs.GetInt64(0, 4), INT64_MIN);
  for (size_t c = 1; c < 5; ++c) EXPECT_TRUE(rs.IsNull(1, c)) << c;
  // The collation compares the way Bamort's natural keys need: 'Hä' = 'Ha', ﬀ = ff.
  Value eq;
  ASSERT_TRUE(conn->QueryValue("SELECT 'Hä' = 'Ha' AND 'Parierwaﬀen' = 'Parierwaffen'", &eq).ok());
  EXPECT_EQ(eq.value_or(""), "1");
}

TEST(DbLayer, FailedStatementsCarryTheErrno) {
  ScratchDatabase db("errno");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id INT PRIMARY KEY)").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (1)").ok());
  Status dup = conn->Execute("INSERT INTO t VALUES (1)");
  EXPECT_EQ(dup.db_errno(), dberr::kDuplicateEntry);
  EXPECT_EQ(dup.code(), StatusCode::kFailed);
  EXPECT_NE(dup.message().find("INSERT INTO t VALUES (1)"), std::string::npos) << dup.message();
  EXPECT_EQ(conn->Execute("SELECT * FROM missing_table").db_errno(), dberr::kNoSuchTable);
  EXPECT_EQ(conn->Execute("SELEKT 1").db_errno(), 1064u);
  EXPECT_FALSE(conn->broken());
  EXPECT_TRUE(conn->Execute("SELECT 1").ok());
}

TEST(DbLayer, WrongPasswordIsAccessDeniedWithoutThePassword) {
  DbConfig c = testing::ServerConfig();
  c.password = "Wrong-Pass-Word-123";
  std::unique_ptr<Connection> conn;
  Status s = Connection::Open(c, &conn);
  EXPECT_EQ(s.db_errno(), dberr::kAccessDenied);
  EXPECT_EQ(s.ToString().find("Wrong-Pass-Word-123"), std::string::npos);
  EXPECT_FALSE(s.hint().empty());
}

TEST(DbLayer, NamedLockIsRefusedToASecondConnectionWhichSeesTheHolder) {
  ScratchDatabase db("lock");
  auto a = db.Connect();
  auto b = db.Connect();
  NamedLock first, second;
  std::string name = NamedLock::NameFor(db.name());
  ASSERT_TRUE(first.Acquire(a.get(), name, 0).ok());
  EXPECT_TRUE(first.VerifyHeld().ok());
  Status refused = second.Acquire(b.get(), name, 1);
  EXPECT_EQ(refused.code(), StatusCode::kPrecondition);
  EXPECT_NE(refused.message().find("connection " + std::to_string(a->connection_id())), std::string::npos)
      << refused.message();
  std::optional<LockHolder> holder;
  ASSERT_TRUE(FindLockHolder(b.get(), name, &holder).ok());
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->connection_id, a->connection_id());
  ASSERT_TRUE(first.Release().ok());
  EXPECT_TRUE(second.Acquire(b.get(), name, 0).ok());
}

TEST(DbLayer, KilledConnectionIsNeverSilentlyReopenedAndTheLockIsReportedLost) {
  ScratchDatabase db("kill");
  auto a = db.Connect();
  auto admin = db.Connect();
  NamedLock lock;
  ASSERT_TRUE(lock.Acquire(a.get(), NamedLock::NameFor(db.name()), 0).ok());
  ASSERT_TRUE(admin->Execute("KILL " + std::to_string(a->connection_id())).ok());
  Status s = lock.VerifyHeld();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.db_errno() == dberr::kServerGone || s.db_errno() == dberr::kLostConnection || s.db_errno() == 1927)
      << s.ToString();
  EXPECT_TRUE(a->broken());
  EXPECT_EQ(a->Execute("SELECT 1").db_errno(), dberr::kServerGone);
  // Another session can take the lock: it died with its connection.
  NamedLock other;
  EXPECT_TRUE(other.Acquire(admin.get(), NamedLock::NameFor(db.name()), 5).ok());
}

TEST(DbLayer, ScriptWhoseThirdOfFiveStatementsFailsReportsTwoCommitted) {
  ScratchDatabase db("script");
  auto conn = db.Connect();
  std::vector<SqlStatement> statements;
  ASSERT_TRUE(SplitSqlStatements("CREATE TABLE a (id INT PRIMARY KEY);\n"
                                 "INSERT INTO a VALUES (1);\n"
                                 "INSERT INTO a VALUES (1);\n"
                                 "INSERT INTO a VALUES (2);\n"
                                 "CREATE TABLE b (id INT);\n",
                                 "five.sql", &statements)
                  .ok());
  ASSERT_EQ(statements.size(), 5u);
  RunProgress progress;
  size_t callbacks = 0;
  Status s = RunStatements(conn.get(), statements, "five.sql", &progress, [&](size_t) {
    ++callbacks;
    return Status::Ok();
  });
  EXPECT_EQ(s.db_errno(), dberr::kDuplicateEntry);
  EXPECT_NE(s.message().find("statement 3 of 5 (line 3)"), std::string::npos) << s.message();
  EXPECT_EQ(progress.committed, 2u);
  EXPECT_EQ(progress.failed_index, 2);
  EXPECT_EQ(callbacks, 2u);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM a"), 1);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'b'"), 0);
}

TEST(DbLayer, MultiRowInsertWritesEveryRowWithEscapingAndNulls) {
  ScratchDatabase db("bulk");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, s LONGTEXT NULL)").ok());
  MultiRowInsert insert(conn.get(), "t", {"id", "s"}, 1000);
  for (int i = 0; i < 25000; ++i) {
    Value v = i % 7 == 0 ? Value() : Value("it's a \\ \"quote\" ; " + std::to_string(i) + " ü🎲");
    ASSERT_TRUE(insert.Add({std::to_string(i), v}).ok());
  }
  ASSERT_TRUE(insert.Finish().ok());
  EXPECT_EQ(insert.rows_written(), 25000u);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM t"), 25000);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM t WHERE s IS NULL"), 3572);
  EXPECT_EQ(db.Scalar("SELECT s FROM t WHERE id = 24999"), "it's a \\ \"quote\" ; 24999 ü🎲");
}

TEST(DbLayer, QueryEachStreamsRowsAndStopsWhenAsked) {
  ScratchDatabase db("stream");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id INT)").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO t SELECT seq FROM seq_1_to_5000").ok());
  int64_t sum = 0, seen = 0;
  ASSERT_TRUE(conn->QueryEach("SELECT id FROM t", [&](const ResultSet&, const Row& row) {
    sum += std::stoll(*row[0]);
    ++seen;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(seen, 5000);
  EXPECT_EQ(sum, 5000LL * 5001 / 2);
  Status stopped = conn->QueryEach("SELECT id FROM t", [&](const ResultSet&, const Row&) {
    return Status::Failed("enough");
  });
  EXPECT_EQ(stopped.message(), "enough");
  EXPECT_TRUE(conn->Execute("SELECT 1").ok());  // the connection is still usable
}

// The importer matches names by these keys in C++, so they must agree with the server's
// own `=` on every pair, including the padding and expansion cases.
TEST(DbLayer, CollationKeysAreEqualExactlyWhenTheServerSaysEqual) {
  ScratchDatabase db("collation");
  auto conn = db.Connect();
  const std::vector<std::string> words = {
      "Ha", "Hä", "HA", "ha ", "Ha  ", "Ha\t", "Ha\xC2\xA0", "Straße", "Strasse", "STRASSE", "Parierwaﬀen",
      "Parierwaffen", "Æther", "AEther", "", " ", "🎲", "🎳", "a", "b", "Ölung", "Olung", "Oelung", "x y", "xy"};
  CollationKeys keys(conn.get());
  for (const std::string& w : words) keys.Want(w);
  ASSERT_TRUE(keys.Fetch().ok());
  for (const std::string& a : words)
    for (const std::string& b : words) {
      Value equal;
      ASSERT_TRUE(conn->QueryValue("SELECT " + conn->Quote(a) + " = " + conn->Quote(b), &equal).ok());
      EXPECT_EQ(keys.Of(a) == keys.Of(b), equal == Value("1")) << "'" << a << "' vs '" << b << "'";
    }
  // A column's key read through SqlFor and Trim equals the key of the same text.
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(100)) DEFAULT CHARSET=utf8mb4 "
                            "COLLATE=utf8mb4_unicode_ci")
                  .ok());
  for (size_t i = 0; i < words.size(); ++i)
    ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (" + std::to_string(i) + ", " + conn->Quote(words[i]) + ")").ok());
  ResultSet rs;
  ASSERT_TRUE(conn->Query("SELECT id, " + CollationKeys::SqlFor("name") + " FROM t ORDER BY id", &rs).ok());
  ASSERT_EQ(rs.size(), words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    std::string key = rs.GetString(i, 1);
    keys.Trim(&key);
    EXPECT_EQ(key, keys.Of(words[i])) << words[i];
  }
}

// Statements are sent without waiting: a failure of one that is still running must
// surface at Finish, and an insert abandoned after an error must not leave its result
// unread (the ROLLBACK after it would fail with "commands out of sync").
TEST(DbLayer, PipelinedMultiRowInsertReportsALateFailureAndCanBeAbandoned) {
  ScratchDatabase db("pipelined");
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))").ok());
  {
    MultiRowInsert ins(conn.get(), "t", {"id", "v"}, 2);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(ins.Add({std::to_string(i), "x"}).ok());
    ASSERT_TRUE(ins.Add({"0", "dup"}).ok());  // sent only with Finish
    Status s = ins.Finish();
    EXPECT_EQ(s.db_errno(), dberr::kDuplicateEntry) << s.ToString();
  }
  ASSERT_TRUE(conn->Execute("START TRANSACTION").ok());
  {
    MultiRowInsert ins(conn.get(), "t", {"id", "v"}, 2);
    for (int i = 10; i < 14; ++i) ASSERT_TRUE(ins.Add({std::to_string(i), "y"}).ok());
    // Abandoned with a statement still running.
  }
  EXPECT_TRUE(conn->Execute("ROLLBACK").ok());
  Value rows;
  ASSERT_TRUE(conn->QueryValue("SELECT COUNT(*) FROM t", &rows).ok());
  EXPECT_EQ(rows, Value("6"));
}

}  // namespace
}  // namespace bamort
