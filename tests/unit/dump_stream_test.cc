// DumpStreamParser (rows read out of mariadb-dump's output) and the isa-l gzip files of
// backup sets, without a database.
#include "backup/dump_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "backup/gzip_file.h"
#include "common/sha256.h"

namespace bamort {
namespace {

struct Collected : DumpRowListener {
  std::vector<std::string> events;
  std::vector<std::vector<std::optional<std::string>>> rows;
  Status OnTableStart(const std::string& t) override {
    events.push_back("start " + t);
    return Status::Ok();
  }
  Status OnRow(const std::string& t, const std::vector<std::optional<std::string>>& v) override {
    rows.push_back(v);
    return Status::Ok();
  }
  Status OnTableEnd(const std::string& t, uint64_t n) override {
    events.push_back("end " + t + " " + std::to_string(n));
    return Status::Ok();
  }
};

// The shape mariadb-dump 10.11 writes: one tuple per line; an older one-line form too.
const char* kDump =
    "-- MariaDB dump\n"
    "CREATE TABLE `a` (\n  `id` int\n);\n"
    "LOCK TABLES `a` WRITE;\n"
    "/*!40000 ALTER TABLE `a` DISABLE KEYS */;\n"
    "INSERT INTO `a` VALUES\n"
    "(18446744073709551615,'B\xC3\xA4r \\'q\\' \\\\ \\n\\r\\t\\0\\Z end',NULL,0x00FF41,'','2026-11-25 09:32:18.953',-1.5e-7),\n"
    "(2,'(,)',NULL,0x,'x;y','',0);\n"
    "INSERT INTO `a` VALUES (3,'one line',NULL,0x61,'a','b',1),(4,'',NULL,NULL,'','',2);\n"
    "/*!40000 ALTER TABLE `a` ENABLE KEYS */;\n"
    "UNLOCK TABLES;\n"
    "LOCK TABLES `we``ird` WRITE;\n"
    "UNLOCK TABLES;\n"
    "DELIMITER ;;\n"
    "/*!50003 CREATE*/ /*!50003 TRIGGER t AFTER INSERT ON x FOR EACH ROW\n"
    "INSERT INTO `a` VALUES (9,9) */;;\n"
    "-- Dump completed\n";

TEST(DumpStreamParser, ReadsRowsValuesAndSectionsInAnyPieces) {
  std::string dump = kDump;
  for (size_t piece : {dump.size(), size_t{1}, size_t{7}, size_t{64}}) {
    Collected c;
    DumpStreamParser p(&c);
    for (size_t i = 0; i < dump.size(); i += piece) ASSERT_TRUE(p.Feed(std::string_view(dump).substr(i, piece)).ok());
    ASSERT_TRUE(p.Finish().ok());
    EXPECT_EQ(c.events, (std::vector<std::string>{"start a", "end a 4", "start we`ird", "end we`ird 0"})) << piece;
    ASSERT_EQ(c.rows.size(), 4u);
    const auto& r = c.rows[0];
    ASSERT_EQ(r.size(), 7u);
    EXPECT_EQ(*r[0], "18446744073709551615");
    EXPECT_EQ(*r[1], std::string("B\xC3\xA4r 'q' \\ \n\r\t") + std::string(1, '\0') + "\x1a end");
    EXPECT_FALSE(r[2].has_value());
    EXPECT_EQ(*r[3], std::string("\0\xff" "A", 3));
    EXPECT_EQ(*r[4], "");
    EXPECT_EQ(*r[5], "2026-11-25 09:32:18.953");
    EXPECT_EQ(*r[6], "-1.5e-7");
    EXPECT_EQ(*c.rows[1][1], "(,)");
    EXPECT_EQ(*c.rows[1][4], "x;y");
    EXPECT_EQ(*c.rows[2][1], "one line");
    EXPECT_EQ(p.rows().at("a"), 4u);
    EXPECT_EQ(p.rows().at("we`ird"), 0u);
    EXPECT_TRUE(p.saw_data());
  }
}

TEST(DumpStreamParser, RefusesWhatItDoesNotKnowAndTruncatedDumps) {
  for (std::string bad : {"LOCK TABLES `a` WRITE;\nINSERT INTO `a` (`id`) VALUES (1);\nUNLOCK TABLES;\n",
                          "LOCK TABLES `a` WRITE;\nINSERT INTO `b` VALUES (1);\nUNLOCK TABLES;\n",
                          "LOCK TABLES `a` WRITE;\nDELETE FROM `a`;\nUNLOCK TABLES;\n",
                          "LOCK TABLES `a` WRITE;\nINSERT INTO `a` VALUES (1,'x),\n",
                          "LOCK TABLES `a` WRITE;\nINSERT INTO `a` VALUES (1,2);\n",
                          "LOCK TABLES `a` WRITE;\nINSERT INTO `a` VALUES (0x1,2);\nUNLOCK TABLES;\n"}) {
    Collected c;
    DumpStreamParser p(&c);
    Status s = p.Feed(bad);
    if (s.ok()) s = p.Finish();
    EXPECT_FALSE(s.ok()) << bad;
  }
}

TEST(GzipFile, ParallelMembersRoundTripAndTruncationIsBadInput) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/gz-" + std::to_string(getpid()) + ".gz";
  std::remove(path.c_str());
  std::string data;
  for (int i = 0; data.size() < 3 * GzipFileWriter::kChunkSize + 12345; ++i) data += Sha256Hex(std::to_string(i)) + "\n";
  GzipFileWriter w;
  ASSERT_TRUE(w.Open(path).ok());
  for (size_t i = 0; i < data.size(); i += 100000) ASSERT_TRUE(w.Write(std::string_view(data).substr(i, 100000)).ok());
  ASSERT_TRUE(w.Finish().ok());
  std::string hex;
  uint64_t size = 0;
  ASSERT_TRUE(Sha256OfFile(path, &hex, &size).ok());
  EXPECT_EQ(hex, w.sha256());
  EXPECT_EQ(size, w.compressed_bytes());
  std::string back;
  ASSERT_TRUE(ReadGzipFile(path, [&](std::string_view d) { back.append(d); return Status::Ok(); }).ok());
  EXPECT_EQ(back, data);
  // gunzip reads it too (the members are plain gzip).
  std::string cmd = "gunzip -c " + path + " | sha256sum";
  FILE* f = popen(cmd.c_str(), "r");
  char buf[65] = {};
  ASSERT_EQ(fread(buf, 1, 64, f), 64u);
  pclose(f);
  EXPECT_EQ(std::string(buf, 64), Sha256Hex(data));
  // Cut off in the middle of the last member: kBadInput.
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(size - 100)), 0);
  Status s = ReadGzipFile(path, [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kBadInput) << s.ToString();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace bamort
