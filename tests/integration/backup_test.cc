// bamort-backup and bamort-restore against a real MariaDB, the jobs run as processes.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <Poco/File.h>

#include "backup/backup_set.h"
#include "backup/gzip_file.h"
#include "backup/manifest.h"
#include "backup/table_stats.h"
#include "backup/verify.h"
#include "common/clock.h"
#include "common/file_io.h"
#include "common/sha256.h"
#include "report/step_report.h"
#include "test_support.h"

extern char** environ;

namespace bamort::testing {
namespace {

std::string TimeAgo(std::chrono::hours h) { return FormatRfc3339(std::chrono::system_clock::now() - h); }

// The extra table of the issue: 3 MB LONGTEXT, umlauts, U+FB00, NULLs, unsigned 64-bit
// ids, DATETIME(3), TIMESTAMP(3), binary bytes, plus a view.
void AddTrapTable(const ScratchDatabase& db) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE traps (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, t LONGTEXT, "
                            "d DATETIME(3), ts TIMESTAMP(3) NULL DEFAULT NULL, b BLOB, f DECIMAL(20,6), bits BIT(8)) "
                            "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO traps VALUES "
                            "(18446744073709551615, CONCAT('Hä ﬀ 😀 ', REPEAT('Parierwaﬀen ÄÖÜ ', 200000)), "
                            "'2024-02-29 23:59:59.123', '2024-06-01 12:00:00.456', UNHEX('00FF0D0A5C27225A'), "
                            "12345678901234.123456, b'10100101'),"
                            "(1, NULL, NULL, NULL, NULL, NULL, NULL),"
                            "(9007199254740993, 'line\\r\\nnext\\rCR\\ttab \\\\ back', '1000-01-01 00:00:00.000', "
                            "'1970-01-01 00:00:01.000', '', -0.000001, b'0')").ok());
  ASSERT_TRUE(conn->Execute("CREATE VIEW trap_ids AS SELECT id FROM traps").ok());
}

// A small database that loads in milliseconds: two tables joined by a foreign key.
void MakeTinyDatabase(const ScratchDatabase& db) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE parent (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(50)) "
                            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").ok());
  ASSERT_TRUE(conn->Execute("CREATE TABLE child (id INT NOT NULL PRIMARY KEY, parent_id BIGINT UNSIGNED, "
                            "note TEXT, CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)) "
                            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO parent VALUES (1, 'Jörg'), (18446744073709551615, 'Parierwaﬀen'), (3, NULL)").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO child VALUES (1, 1, 'a'), (2, 18446744073709551615, NULL), (3, NULL, '😀')").ok());
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    password_ = ServerConfig().password;
    out_ = NewTempDir("out");
  }
  // Every text the jobs produced must be free of the password.
  void ExpectNoPassword(const std::string& text, const std::string& what) {
    ASSERT_FALSE(password_.empty());
    EXPECT_EQ(text.find(password_), std::string::npos) << "the password appears in " << what;
  }
  void ExpectNoPasswordInDir(const std::string& dir) {
    for (const std::string& n : DirEntries(dir)) {
      std::string p = dir + "/" + n;
      if (Poco::File(p).isDirectory()) {
        ExpectNoPasswordInDir(p);
      } else if (n.size() > 3 && n.substr(n.size() - 3) == ".gz") {
        std::string all;
        ReadGzipFile(p, [&](std::string_view d) { all.append(d); return Status::Ok(); });
        ExpectNoPassword(all, p);
      } else {
        ExpectNoPassword(ReadWholeFile(p), p);
      }
    }
  }
  std::string Backup(const ScratchDatabase& db, std::vector<std::string> args = {},
                     std::map<std::string, std::string> env = {}, int expect_exit = 0) {
    args.insert(args.begin(), {"--out-dir", out_});
    // The BAMORT_TEST_* hooks exist only in the test-only bamort-backup-faults.
    ProcessResult r = db.Job(env.empty() ? "backup" : "backup-faults", args, env);
    EXPECT_EQ(r.exit_code, expect_exit) << r.err;
    ExpectNoPassword(r.out + r.err, "the backup's output");
    last_err_ = r.err;
    return r.err;
  }

  std::string password_;
  std::string out_;
  std::string last_err_;
};

TEST_F(BackupTest, LegacySmallVerifiedBackupIsCompleteAndRestoresIdenticallyFromSqlAndJson) {
  ScratchDatabase db("bk_legacy");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  AddTrapTable(db);
  std::string report_path = out_ + "/../" + db.name() + "-backup.json";
  Backup(db, {"--verify", "--report", report_path});

  auto sets = BackupSetDirs(out_);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(DirEntries(out_).size(), 1u) << "no temp or partial leftovers";
  struct stat st {};
  ASSERT_EQ(stat(sets[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(DirEntries(sets[0]), (std::vector<std::string>{"dump.sql.gz", "export.jsonl.gz", "manifest.json"}));
  for (const std::string& f : DirEntries(sets[0])) {
    ASSERT_EQ(stat((sets[0] + "/" + f).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }

  Manifest m;
  ASSERT_TRUE(ReadManifest(sets[0] + "/manifest.json", &m).ok());
  EXPECT_TRUE(m.verified);
  EXPECT_EQ(m.db_name, db.name());
  EXPECT_EQ(m.migration_number, 0);  // legacy: no version tables
  ASSERT_EQ(m.files.size(), 2u);
  for (const ManifestFile& f : m.files) {
    std::string hex;
    uint64_t size = 0;
    ASSERT_TRUE(Sha256OfFile(sets[0] + "/" + f.name, &hex, &size).ok());
    EXPECT_EQ(hex, f.sha256) << f.name;
    EXPECT_EQ(size, f.size) << f.name;
  }
  // The manifest's tables are the database's tables.
  auto live = db.TableChecksums();
  live.erase("trap_ids");  // a view: no rows of its own
  ASSERT_EQ(m.tables.size(), live.size());
  for (const auto& [t, st2] : m.tables) EXPECT_EQ(st2.checksum + "/" + std::to_string(st2.rows), live[t]) << t;

  // The JSON export holds the ~300 KB image and the 3 MB text byte for byte.
  std::string image = db.Scalar("SELECT image FROM char_chars ORDER BY LENGTH(image) DESC LIMIT 1");
  ASSERT_GT(image.size(), 300000u);
  std::string export_text;
  ASSERT_TRUE(ReadGzipFile(sets[0] + "/export.jsonl.gz", [&](std::string_view d) {
                export_text.append(d);
                return Status::Ok();
              }).ok());
  EXPECT_NE(export_text.find("\"" + image + "\""), std::string::npos);
  std::string big = db.Scalar("SELECT t FROM traps WHERE id = 18446744073709551615");
  EXPECT_GT(big.size(), 3000000u);
  EXPECT_NE(export_text.find(big), std::string::npos);
  EXPECT_NE(export_text.find("\"18446744073709551615\""), std::string::npos) << "unsigned 64-bit id as text";

  // The report is what bamort-migrate --require-backup accepts.
  StepReport report;
  ReportExpectation expect;
  expect.job = "backup";
  expect.db_host = ServerConfig().host + ":" + std::to_string(ServerConfig().port);
  expect.db_name = db.name();
  expect.max_age_seconds = 3600;
  Status s = ValidatePreviousReport(report_path, expect, &report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(report.details->getValue<bool>("verified"));
  EXPECT_EQ(report.outputs->getValue<std::string>("backup_set"), sets[0]);
  ExpectNoPassword(ReadWholeFile(report_path), "the report");
  ExpectNoPasswordInDir(out_);
  unlink(report_path.c_str());

  // Restore into new databases, from the dump and from the JSON export.
  auto original = db.TableChecksums();
  auto schema = db.SchemaSignature();
  for (const std::string from : {"sql", "json"}) {
    ScratchDatabase target("bk_dst_" + from);
    ProcessResult r = db.Job("restore", {"--backup", sets[0], "--from", from, "--target-db", target.name()});
    ASSERT_EQ(r.exit_code, 0) << from << ": " << r.err;
    ExpectNoPassword(r.out + r.err, "the restore's output");
    EXPECT_EQ(target.TableChecksums(), original) << from;
    EXPECT_EQ(target.SchemaSignature(), schema) << from;
    EXPECT_EQ(target.Scalar("SELECT COUNT(*) FROM trap_ids"), "3") << "the view, from " << from;
    EXPECT_EQ(target.Scalar("SELECT t FROM traps WHERE id = 18446744073709551615"), big) << from;
  }

  // --list, text and JSON.
  ProcessResult list = RunProcess({BinaryPath("backup"), "--list", "--out-dir", out_});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("verified"), std::string::npos) << list.out;
  ProcessResult json = RunProcess({BinaryPath("backup"), "--list", "--json", "--out-dir", out_});
  EXPECT_NE(json.out.find("\"verified\": true"), std::string::npos) << json.out;
}

// The JSON export and the row counts are read out of the dump's stream (dump_stream.h):
// the shapes that stream can take must come back equal through --from json, and the
// manifest's rows must equal COUNT(*).
TEST_F(BackupTest, ExportReadFromTheDumpStreamRestoresEveryShapeAndCountsRowsExactly) {
  ScratchDatabase db("bk_stream");
  MakeTinyDatabase(db);
  AddTrapTable(db);
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE `we``ird name` (id INT PRIMARY KEY, a VARCHAR(20), "
                            "g INT AS (id * 2) VIRTUAL, s VARCHAR(40) AS (CONCAT(a, '!')) STORED) "
                            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO `we``ird name` (id, a) VALUES (1, 'x''),(y'), (2, '\\\\\\\\'''), (3, NULL), "
                            "(4, ');\\nINSERT INTO'), (5, '0x41')").ok());
  ASSERT_TRUE(conn->Execute("CREATE TABLE empty_one (id INT PRIMARY KEY) ENGINE=InnoDB").ok());
  ASSERT_TRUE(conn->Execute("CREATE TABLE many (id INT PRIMARY KEY, v VARCHAR(30)) ENGINE=InnoDB").ok());
  // More rows than one INSERT statement of mariadb-dump holds.
  ASSERT_TRUE(conn->Execute("INSERT INTO many SELECT seq, CONCAT('row ', seq, ' ''q''') FROM seq_1_to_60000").ok());
  Backup(db, {"--no-retention"});
  auto sets = BackupSetDirs(out_);
  ASSERT_EQ(sets.size(), 1u);
  Manifest m;
  ASSERT_TRUE(ReadManifest(sets[0] + "/manifest.json", &m).ok());
  for (const auto& [t, st] : m.tables) {
    EXPECT_EQ(std::to_string(st.rows), db.Scalar("SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(t))) << t;
  }
  EXPECT_EQ(m.tables.at("many").rows, 60000u);
  EXPECT_EQ(m.tables.at("empty_one").rows, 0u);
  EXPECT_EQ(m.tables.at("we`ird name").rows, 5u);

  auto original = db.TableChecksums();
  auto schema = db.SchemaSignature();
  ScratchDatabase target("bk_stream_dst");
  ProcessResult r = db.Job("restore", {"--backup", sets[0], "--from", "json", "--target-db", target.name()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(target.TableChecksums(), original);
  EXPECT_EQ(target.SchemaSignature(), schema);
  const std::string q = "SELECT GROUP_CONCAT(CONCAT(id, ':', IFNULL(s, 'N')) ORDER BY id SEPARATOR '|') FROM `we``ird name`";
  EXPECT_EQ(target.Scalar(q), db.Scalar(q));
}

TEST_F(BackupTest, DamagedForeignOrIncompleteSetsAreRefusedAndNothingIsTouched) {
  ScratchDatabase db("bk_dmg");
  MakeTinyDatabase(db);
  Backup(db);
  auto sets = BackupSetDirs(out_);
  ASSERT_EQ(sets.size(), 1u);
  const std::string good = sets[0];
  // The target: the configured database, changed since the backup.
  { auto c = db.Connect(); ASSERT_TRUE(c->Execute("CREATE TABLE after_backup (x INT)").ok()); }
  const auto before = db.TableChecksums();

  auto copy_set = [&](const std::string& tag) {
    std::string dir = NewTempDir(tag);
    for (const std::string& f : DirEntries(good)) {
      std::ifstream in(good + "/" + f, std::ios::binary);
      std::ofstream out(dir + "/" + f, std::ios::binary);
      out << in.rdbuf();
    }
    return dir;
  };
  auto expect_refused = [&](const std::string& dir, std::vector<std::string> extra, const std::string& what) {
    std::vector<std::string> args = {"--backup", dir};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = db.Job("restore", args);
    EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
    EXPECT_EQ(db.TableChecksums(), before) << what << ": the database was touched";
  };

  {  // one flipped byte in the middle of the dump
    std::string dir = copy_set("flip");
    std::fstream f(dir + "/dump.sql.gz", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    auto size = static_cast<long>(f.tellg());
    f.seekg(size / 2);
    char c = 0;
    f.read(&c, 1);
    c ^= 0x01;
    f.seekp(size / 2);
    f.write(&c, 1);
    f.close();
    expect_refused(dir, {}, "flipped byte");
    // The JSON export of the same set is intact: --from json works and says the dump is damaged.
    ProcessResult r = db.Job("restore", {"--backup", dir, "--from", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("damaged"), std::string::npos) << r.err;
    // Restoring over the configured database drops the table that is not in the backup.
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                       "AND TABLE_NAME = 'after_backup'"), 0);
    { auto c = db.Connect(); ASSERT_TRUE(c->Execute("CREATE TABLE after_backup (x INT)").ok()); }
    ASSERT_EQ(db.TableChecksums(), before);
  }
  {  // a truncated gzip
    std::string dir = copy_set("trunc");
    struct stat st {};
    stat((dir + "/dump.sql.gz").c_str(), &st);
    ASSERT_EQ(truncate((dir + "/dump.sql.gz").c_str(), st.st_size / 2), 0);
    expect_refused(dir, {}, "truncated dump");
  }
  {  // a truncated JSON export
    std::string dir = copy_set("trunc_json");
    struct stat st {};
    stat((dir + "/export.jsonl.gz").c_str(), &st);
    ASSERT_EQ(truncate((dir + "/export.jsonl.gz").c_str(), st.st_size - 10), 0);
    expect_refused(dir, {"--from", "json"}, "truncated JSON export");
  }
  {  // no manifest
    std::string dir = copy_set("nomanifest");
    unlink((dir + "/manifest.json").c_str());
    expect_refused(dir, {}, "missing manifest");
  }
  {  // a manifest that is not JSON
    std::string dir = copy_set("badmanifest");
    ASSERT_TRUE(WriteFileAtomic(dir + "/manifest.json", "{\"format\": \"bamort-backup-set\", \"files\": [", 0600).ok());
    expect_refused(dir, {}, "broken manifest");
  }
  {  // a set of another database
    ScratchDatabase other("bk_foreign");
    MakeTinyDatabase(other);
    std::string other_out = NewTempDir("foreign");
    ProcessResult b = other.Job("backup", {"--out-dir", other_out});
    ASSERT_EQ(b.exit_code, 0) << b.err;
    auto other_sets = BackupSetDirs(other_out);
    ASSERT_EQ(other_sets.size(), 1u);
    expect_refused(other_sets[0], {}, "foreign set");
  }
  {  // a path that does not exist
    expect_refused(out_ + "/nonexistent", {}, "missing set");
  }
  {  // a non-empty --target-db needs --replace (exit 3, untouched)
    ScratchDatabase other("bk_other");
    { auto c = other.Connect(); ASSERT_TRUE(c->Execute("CREATE TABLE keepme (x INT)").ok()); }
    ProcessResult r = db.Job("restore", {"--backup", good, "--target-db", other.name()});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(other.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 1);
    r = db.Job("restore", {"--backup", good, "--target-db", other.name(), "--replace"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(other.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 2);
  }
  // The good set restores over the configured database: back to the backup's contents.
  ProcessResult r = db.Job("restore", {"--backup", good + "/manifest.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 2);
}

TEST_F(BackupTest, RetentionDeletesOnlyOldSetsOfThisDatabaseAndKeepsTheNewest) {
  ScratchDatabase db("bk_ret");
  MakeTinyDatabase(db);
  using std::chrono::hours;
  for (int days : {40, 31, 29, 1}) {
    Backup(db, {"--no-retention"}, {{"BAMORT_TEST_NOW", TimeAgo(hours(24 * days))}});
  }
  ASSERT_EQ(BackupSetDirs(out_).size(), 4u);
  // Things that are not backup sets of ours.
  ASSERT_TRUE(WriteFileAtomic(out_ + "/notes.txt", "keep me", 0644).ok());
  Poco::File(out_ + "/old-stuff").createDirectories();
  ASSERT_TRUE(WriteFileAtomic(out_ + "/old-stuff/manifest.json", "{\"not\": \"ours\"}", 0644).ok());
  Poco::File(out_ + "/.crashed.partial").createDirectories();
  ASSERT_TRUE(WriteFileAtomic(out_ + "/.crashed.partial/dump.sql.gz", "x", 0600).ok());
  struct utimbuf old_time {time(nullptr) - 3 * 86400, time(nullptr) - 3 * 86400};
  ASSERT_EQ(utime((out_ + "/.crashed.partial").c_str(), &old_time), 0);
  Poco::File(out_ + "/.running.partial").createDirectories();  // fresh: may belong to a running backup

  auto names_before = BackupSetDirs(out_);  // sorted by name = by time: 40, 31, 29, 1 days ago
  std::string report_path = NewTempDir("rep") + "/backup.json";
  Backup(db, {"--report", report_path});
  auto after = BackupSetDirs(out_);
  ASSERT_EQ(after.size(), 3u);
  std::set<std::string> left(after.begin(), after.end());
  EXPECT_FALSE(left.count(names_before[0])) << "40 days";
  EXPECT_FALSE(left.count(names_before[1])) << "31 days";
  EXPECT_TRUE(left.count(names_before[2])) << "29 days";
  EXPECT_TRUE(left.count(names_before[3])) << "1 day";
  EXPECT_TRUE(Poco::File(out_ + "/notes.txt").exists());
  EXPECT_TRUE(Poco::File(out_ + "/old-stuff/manifest.json").exists());
  EXPECT_FALSE(Poco::File(out_ + "/.crashed.partial").exists());
  EXPECT_TRUE(Poco::File(out_ + "/.running.partial").exists());
  StepReport report;
  ASSERT_TRUE(ReadReport(report_path, &report).ok());
  auto retention = report.details->getObject("retention");
  EXPECT_EQ(retention->getArray("deleted")->size(), 2u);
  EXPECT_EQ(retention->getArray("partials_deleted")->size(), 1u);

  // 400 days later with --keep-min 2: only the two newest stay, the new one among them.
  Backup(db, {"--keep-min", "2"}, {{"BAMORT_TEST_NOW", FormatRfc3339(std::chrono::system_clock::now() + hours(24 * 400))}});
  after = BackupSetDirs(out_);
  ASSERT_EQ(after.size(), 2u);
  // --keep-min larger than the number of sets: nothing is deleted.
  Backup(db, {"--keep-min", "10"}, {{"BAMORT_TEST_NOW", FormatRfc3339(std::chrono::system_clock::now() + hours(24 * 900))}});
  EXPECT_EQ(BackupSetDirs(out_).size(), 3u);
}

// The verification engine (backup/verify.h) on a dump that restores to different
// contents, in both places it can load a dump: a changed row count and a changed value
// with the same count are both found, and neither the private server's folder nor the
// scratch schema is left behind.
TEST_F(BackupTest, VerifyFindsADumpThatRestoresToDifferentContentsInBothPlaces) {
  ScratchDatabase db("bk_tamper");
  MakeTinyDatabase(db);
  AddTrapTable(db);
  Backup(db, {"--no-retention"});
  auto sets = BackupSetDirs(out_);
  ASSERT_EQ(sets.size(), 1u);
  const std::string dump = sets[0] + "/dump.sql.gz";
  TableStats expected;
  {
    auto conn = db.Connect();
    ASSERT_TRUE(conn->Execute("SET time_zone = '+00:00'").ok());
    std::vector<std::string> tables;
    ASSERT_TRUE(ListBaseTables(conn.get(), db.name(), &tables).ok());
    ASSERT_TRUE(ReadContentHashes({conn.get()}, db.name(), tables, &expected).ok());
  }
  const std::string server_dir = NewTempDir("verify-server");
  auto verify = [&](VerifyWhere where, const std::string& tamper, VerifyResult* result) {
    VerifyOptions o;
    o.where = where;
    o.server.parent_dir = server_dir;
    o.source = db.config();
    o.scratch_name = "bamort_verify_t" + std::to_string(getpid());
    if (!tamper.empty()) {
      o.after_load = [tamper](Connection* c, const std::string& database) {
        BAMORT_RETURN_IF_ERROR(c->Execute("USE " + Connection::QuoteIdentifier(database)));
        return c->Execute(tamper);
      };
    }
    DumpVerifier v(o);
    auto conn = db.Connect();
    Status s = v.Prepare(conn.get());
    if (s.ok()) s = v.Verify(dump, expected, result);
    return s;
  };
  for (VerifyWhere where : {VerifyWhere::kPrivateServer, VerifyWhere::kScratchSchema}) {
    const std::string name = where == VerifyWhere::kPrivateServer ? "private-server" : "scratch-schema";
    VerifyResult clean, fewer, changed;
    ASSERT_TRUE(verify(where, "", &clean).ok()) << name;
    EXPECT_EQ(clean.method, name);
    EXPECT_TRUE(clean.equal()) << name << ": " << (clean.differences.empty() ? "" : clean.differences[0]);
    EXPECT_EQ(clean.tables_compared, 3u);
    ASSERT_TRUE(verify(where, "DELETE FROM child WHERE id = 3", &fewer).ok()) << name;
    ASSERT_EQ(fewer.differences.size(), 1u) << name;
    EXPECT_EQ(fewer.differences[0], "table child: 2 rows, expected 3") << name;
    // Same row count, one byte of the 3 MB value changed.
    ASSERT_TRUE(verify(where, "UPDATE traps SET t = CONCAT('h', SUBSTRING(t, 2)) WHERE id = 18446744073709551615",
                       &changed).ok()) << name;
    ASSERT_EQ(changed.differences.size(), 1u) << name;
    EXPECT_NE(changed.differences[0].find("table traps: content differs"), std::string::npos) << changed.differences[0];
    EXPECT_TRUE(DirEntries(server_dir).empty()) << name << ": the private server's folder is removed";
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'bamort\\_verify\\_%'"), 0)
        << name << ": the scratch database is dropped";
  }
}

TEST_F(BackupTest, AWriteBetweenTheTwoChecksumSnapshotsFailsTheBackupAndLeavesNoSet) {
  // The dump's snapshot lies between checksum snapshots A and B; a row committed after
  // the dump's snapshot opened is in B but not in the dump, so the manifest could not be
  // trusted: the backup must say which table changed and keep nothing that looks done.
  ScratchDatabase db("bk_write");
  MakeTinyDatabase(db);
  std::string report_path = out_ + "/../" + db.name() + "-write.json";
  std::string err = Backup(db, {"--report", report_path},
                           {{"BAMORT_TEST_WRITE_BEFORE_SNAPSHOT_B", "UPDATE child SET note = CONCAT(COALESCE(note, ''), 'x') WHERE id = 3"}},
                           1);
  EXPECT_NE(err.find("the database changed while the backup ran (table child: CHECKSUM TABLE"), std::string::npos) << err;
  EXPECT_TRUE(DirEntries(out_).empty()) << "neither a set nor a partial folder is left";
  StepReport report;
  ASSERT_TRUE(ReadReport(report_path, &report).ok());
  auto changed = report.details->getArray("changed_during_backup");
  ASSERT_TRUE(changed);
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_NE(changed->getElement<std::string>(0).find("child"), std::string::npos);
  // Without the write the next backup is complete.
  Backup(db);
  EXPECT_EQ(BackupSetDirs(out_).size(), 1u);
}

// A database whose dump takes a moment: ~40 MB of text.
void FillBigTable(const ScratchDatabase& db) {
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE big (id INT PRIMARY KEY, t MEDIUMTEXT) DEFAULT CHARSET=utf8mb4").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO big SELECT seq, REPEAT(MD5(seq), 100) FROM seq_1_to_12000").ok());
}

pid_t StartJob(const ScratchDatabase& db, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinaryPath("backup")};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string dbenv = "BAMORT_DB_NAME=" + db.name();
  pid_t pid = fork();
  if (pid == 0) {
    setenv("BAMORT_DB_NAME", db.name().c_str(), 1);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

TEST_F(BackupTest, KilledBackupLeavesNoCompleteSetAndThePasswordIsInNoArgv) {
  ScratchDatabase db("bk_crash");
  FillBigTable(db);
  // 1. kill -9 while the dump runs.
  pid_t pid = StartJob(db, {"--out-dir", out_});
  bool saw_partial = false;
  for (int i = 0; i < 4000 && !saw_partial; ++i) {
    for (const std::string& n : DirEntries(out_)) saw_partial |= n.find(".partial") != std::string::npos;
    if (!saw_partial) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(saw_partial);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(BackupSetDirs(out_).empty()) << "a killed backup must not leave a set that looks complete";

  // 2. The next backup works; meanwhile no process shows the password in its argv.
  pid = StartJob(db, {"--out-dir", out_, "--verify"});
  bool saw_dump = false, saw_client = false, leaked = false;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    for (const std::string& p : DirEntries("/proc")) {
      if (p.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmd = ReadWholeFile("/proc/" + p + "/cmdline");
      for (char& c : cmd) if (c == '\0') c = ' ';
      if (cmd.find("mariadb-dump") != std::string::npos) saw_dump = true;
      if (cmd.rfind("mariadb ", 0) == 0) saw_client = true;
      if (!password_.empty() && cmd.find(password_) != std::string::npos) leaked = true;
    }
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(saw_dump) << "the poll should have seen mariadb-dump run";
  EXPECT_FALSE(leaked) << "the password appeared in a process's argv";
  (void)saw_client;
  EXPECT_EQ(BackupSetDirs(out_).size(), 1u);
  // The killed run's .partial folder stays until retention finds it older than a day.
  ExpectNoPasswordInDir(out_);
}

// Processes whose command line contains text (but not this test binary).
std::vector<pid_t> ProcessesWith(const std::string& text) {
  std::vector<pid_t> out;
  for (const std::string& p : DirEntries("/proc")) {
    if (p.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = ReadWholeFile("/proc/" + p + "/cmdline");
    for (char& c : cmd) if (c == '\0') c = ' ';
    if (cmd.find(text) != std::string::npos && std::stoi(p) != getpid()) out.push_back(std::stoi(p));
  }
  return out;
}

// kill -9 of the job while its private verify server runs: the server dies with it
// (PR_SET_PDEATHSIG), and the next verify removes the folder the killed one left.
TEST_F(BackupTest, KilledVerifyLeavesNoServerRunningAndTheNextRunRemovesItsFolder) {
  ScratchDatabase db("bk_kill_verify");
  FillBigTable(db);
  const std::string server_dir = NewTempDir("kv");
  pid_t pid = StartJob(db, {"--out-dir", out_, "--verify", "--verify-in", "private", "--verify-tmpdir", server_dir,
                            "--no-retention"});
  std::string folder;
  for (int i = 0; i < 30000 && folder.empty(); ++i) {  // the server runs once its socket exists
    for (const std::string& n : DirEntries(server_dir)) {
      if (Poco::File(server_dir + "/" + n + "/sock").exists()) folder = server_dir + "/" + n;
    }
    if (folder.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(folder.empty()) << "the private server never started";
  ASSERT_FALSE(ProcessesWith("--datadir=" + folder + "/data").empty());
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // The kernel delivers the server's SIGKILL when the job dies; give it time to exit.
  for (int i = 0; i < 1000 && !ProcessesWith("--datadir=" + folder + "/data").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ProcessesWith("--datadir=" + folder + "/data").empty()) << "an orphaned mariadbd is still running";
  EXPECT_TRUE(BackupSetDirs(out_).empty());
  Backup(db, {"--verify", "--verify-in", "private", "--verify-tmpdir", server_dir, "--no-retention"});
  EXPECT_EQ(BackupSetDirs(out_).size(), 1u);
  EXPECT_TRUE(DirEntries(server_dir).empty()) << "the killed run's folder is removed, the new one too";
}

TEST_F(BackupTest, RealLegacyFixtureBacksUpVerifiesAndRestoresFromJson) {
  std::string fixture = RealFixture("legacy-init00.sql");
  if (fixture.empty()) GTEST_SKIP() << "real fixture legacy-init00.sql absent";
  ScratchDatabase db("bk_real");
  db.LoadSqlFile(fixture);
  auto t0 = std::chrono::steady_clock::now();
  Backup(db, {"--verify"});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  auto sets = BackupSetDirs(out_);
  ASSERT_EQ(sets.size(), 1u);
  Manifest m;
  ASSERT_TRUE(ReadManifest(sets[0] + "/manifest.json", &m).ok());
  std::printf("real fixture: backup --verify %lld ms, set %llu bytes\n", static_cast<long long>(ms),
              static_cast<unsigned long long>(m.TotalSize()));
  ScratchDatabase target("bk_real_json");
  ProcessResult r = db.Job("restore", {"--backup", sets[0], "--from", "json", "--target-db", target.name()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(target.TableChecksums(), db.TableChecksums());
}

}  // namespace
}  // namespace bamort::testing
