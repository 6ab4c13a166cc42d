// Master data checked before any SQL (issue 19 items 8 and 9): records against their
// declared types and the columns of the expected schema, the header's and a package's
// metadata.json record counts, package entry names and the decompression budget. Each
// case was accepted before (stored as '' / "123" / with a NUL, or refused only by the
// server with exit 1, or inflated in memory).
#include <gtest/gtest.h>

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/file_io.h"
#include "common/utf8.h"
#include "masterdata/document.h"
#include "masterdata/record_checks.h"
#include "package/package.h"

namespace bamort::masterdata {
namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    char dir[] = "/tmp/bamort-checks-XXXXXX";
    dir_ = mkdtemp(dir);
    path_ = dir_ + "/input" + suffix;
  }
  ~TempFile() {
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& content) const {
    FILE* f = std::fopen(path_.c_str(), "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }

 private:
  std::string dir_, path_;
};

// A format-2.0 document with the given sources and spells records (JSON text).
std::string Document(const std::string& sources, const std::string& spells = "") {
  return R"({"export_version": "2.0", "backend_version": "0.2.2", "timestamp": "", "game_system": "M5", "data": {)"
         R"("sources": [)" + sources + "], " + R"("spells": [)" + spells + "]}}";
}

Status Read(const std::string& text) {
  TempFile f(".json");
  f.Write(text);
  MasterDataDocument doc;
  SourceInfo info;
  return ReadMasterData(f.path(), &doc, &info);
}

const char* kGoodSource = R"({"code": "KOD", "name": "Kodex", "publish_year": 2020, "is_core": true})";

void ExpectRefused(const Status& s, std::initializer_list<const char*> parts) {
  EXPECT_EQ(s.code(), StatusCode::kBadInput) << s.ToString();
  for (const char* p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << "'" << p << "' in " << s.message();
  EXPECT_TRUE(IsValidUtf8(s.message())) << s.message();
  EXPECT_EQ(s.message().find('\0'), std::string::npos);
}

TEST(MasterDataRecordChecksTest, SoundRecordsPass) {
  Status s = Read(Document(std::string(kGoodSource) + R"(, {"code": "ÄÖÜäöüßÄÖÜ", "name": "Zehn Zeichen"})",
                           R"({"name": "Feuerball", "game_system": "midgard", "level": 3, "source_code": "KOD"})"));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(MasterDataRecordChecksTest, NullInNotNullColumnOrKeyIsRefused) {
  ExpectRefused(Read(Document(std::string(kGoodSource) + R"(, {"code": "X1", "name": null})")),
                {"sources", "record 2", "code 'X1'", "field 'name'", "is null", "gsm_lit_sources.name is NOT NULL"});
  ExpectRefused(Read(Document(kGoodSource, R"({"name": null, "game_system": "midgard"})")),
                {"spells", "record 1", "field 'name'", "is null", "natural key"});
  ExpectRefused(Read(Document(R"({"name": "ohne Code"})")), {"record 1", "field 'code'", "is missing"});
}

TEST(MasterDataRecordChecksTest, WrongKindIsRefused) {
  ExpectRefused(Read(Document(R"({"code": "KOD", "name": 123})")),
                {"record 1", "code 'KOD'", "field 'name'", "is a number, expected text"});
  ExpectRefused(Read(Document(kGoodSource, R"({"name": "Blitz", "game_system": "midgard", "level": "drei"})")),
                {"spells", "name 'Blitz'", "field 'level'", "string"});
  ExpectRefused(Read(Document(kGoodSource, R"({"name": "Blitz", "game_system": "midgard", "source_code": 7})")),
                {"field 'source_code'", "is a number, expected text"});
}

TEST(MasterDataRecordChecksTest, NulCharacterIsRefused) {
  ExpectRefused(Read(Document(R"({"code": "KOD", "name": "Ko\u0000dex"})")),
                {"record 1", "field 'name'", "NUL character", "byte 2"});
}

TEST(MasterDataRecordChecksTest, InvalidAndOverlongUtf8IsRefused) {
  ExpectRefused(Read(Document("{\"code\": \"KOD\", \"name\": \"Ko\xC3\x28x\"}")),
                {"record 1", "field 'name'", "not valid UTF-8", "byte 2", "\\xC3"});
  ExpectRefused(Read(Document("{\"code\": \"K\xC0\xAF\", \"name\": \"Kodex\"}")), {"field 'code'", "not valid UTF-8"});
  // A UTF-16 surrogate written as raw bytes (CESU-8) is not UTF-8 either.
  ExpectRefused(Read(Document("{\"code\": \"KOD\", \"name\": \"\xED\xA0\x80\"}")), {"field 'name'", "not valid UTF-8"});
}

TEST(MasterDataRecordChecksTest, TextLongerThanItsColumnIsRefused) {
  ExpectRefused(Read(Document(R"({"code": "ABCDEFGHIJK", "name": "Elf"})")),
                {"record 1", "field 'code'", "11 characters", "more than the 10 of gsm_lit_sources.code"});
  std::string long_name(256, 'n');
  ExpectRefused(Read(Document(kGoodSource, R"({"name": ")" + long_name + R"(", "game_system": "midgard"})")),
                {"spells", "record 1", "field 'name'", "256 characters", "255 of gsm_spells.name"});
  // A reference longer than the column it names can match no row.
  ExpectRefused(Read(Document(kGoodSource, R"({"name": "Blitz", "game_system": "midgard", "source_code": "ABCDEFGHIJK"})")),
                {"field 'source_code'", "more than the 10 of gsm_lit_sources.code"});
}

TEST(MasterDataRecordChecksTest, HeaderRecordCountsMustMatch) {
  char dir[] = "/tmp/bamort-counts-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  MasterDataDocument doc;
  ASSERT_TRUE(ParseJsonValue("[" + std::string(kGoodSource) + "]", &doc.data["sources"]).ok());
  ASSERT_TRUE(WriteDirectory(doc, dir).ok());
  MasterDataDocument back;
  SourceInfo info;
  Status s = ReadMasterData(dir, &back, &info);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::string header;
  ASSERT_TRUE(ReadFileToString(std::string(dir) + "/export.json", &header).ok());
  size_t at = header.find("\"sources\": 1");
  ASSERT_NE(at, std::string::npos) << header;
  header.replace(at, 12, "\"sources\": 2");
  ASSERT_TRUE(WriteFileAtomic(std::string(dir) + "/export.json", header).ok());
  MasterDataDocument edited;
  ExpectRefused(ReadMasterData(dir, &edited, &info), {"export.json", "records.sources says 2", "holds 1"});
  for (const auto& [name, content] : RenderDirectory(doc)) std::remove((std::string(dir) + "/" + name).c_str());
  rmdir(dir);
}

TEST(MasterDataRecordChecksTest, TruncatedOrWrongPackageMetadataIsRefused) {
  MasterDataDocument doc;
  ASSERT_TRUE(ParseJsonValue("[" + std::string(kGoodSource) + "]", &doc.data["sources"]).ok());
  const std::string good = R"({"package_format": 1, "game_system": "M5", "records": {"sources": 1}, "total_records": 1})";
  EXPECT_TRUE(CheckPackageMetadata(good, doc, "p.tar.gz:metadata.json").ok());
  TempFile pkg(".tar.gz");
  ASSERT_TRUE(package::WritePackage(pkg.path(), RenderDirectory(doc), good.substr(0, good.size() / 2), 0).ok());
  MasterDataDocument back;
  SourceInfo info;
  ExpectRefused(ReadMasterData(pkg.path(), &back, &info), {"metadata.json", "malformed JSON"});
  std::string wrong = good;
  wrong.replace(wrong.find("\"total_records\": 1"), 18, "\"total_records\": 9");
  ExpectRefused(CheckPackageMetadata(wrong, doc, "p.tar.gz:metadata.json"), {"metadata.json", "total_records is 9"});
  wrong = good;
  wrong.replace(wrong.find("\"sources\": 1"), 12, "\"sources\": 0");
  ExpectRefused(CheckPackageMetadata(wrong, doc, "p.tar.gz:metadata.json"), {"metadata.json", "records.sources says 0"});
}

TEST(MasterDataRecordChecksTest, PackageEntryNameWithInvalidUtf8IsRefusedPrintably) {
  // GNU tar stores a file name's bytes as they are (libarchive's pax writer would not).
  char dir[] = "/tmp/bamort-names-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string d = dir;
  ASSERT_EQ(std::system(("mkdir " + d + "/masterdata && printf '[]' > " + d + "/masterdata/bad$(printf '\\377\\001')name.json")
                            .c_str()),
            0);
  TempFile pkg(".tar.gz");
  ASSERT_EQ(std::system(("tar -czf " + pkg.path() + " -C " + d + " masterdata").c_str()), 0);
  package::PackageContents contents;
  ExpectRefused(package::ReadPackage(pkg.path(), &contents), {"masterdata/bad\\xFF\\x01name.json", "not printable UTF-8"});
  ASSERT_EQ(std::system(("rm -rf " + d).c_str()), 0);
}

// A tar.gz whose one entry's header declares `declared` bytes, followed by only a little
// of its data: the budget must refuse it from the header, before inflating anything.
void WriteBomb(const std::string& path, uint64_t declared) {
  char header[512] = {0};
  std::snprintf(header, 100, "%s", "masterdata/zeros.json");
  std::snprintf(header + 100, 8, "%07o", 0644);
  std::snprintf(header + 108, 8, "%07o", 0);
  std::snprintf(header + 116, 8, "%07o", 0);
  std::snprintf(header + 124, 12, "%011llo", static_cast<unsigned long long>(declared));
  std::snprintf(header + 136, 12, "%011o", 0);
  header[156] = '0';
  std::memcpy(header + 257, "ustar", 6);
  std::memcpy(header + 263, "00", 2);
  std::memset(header + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06o", sum);
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, header, sizeof header);
  std::string zeros(1 << 20, '\0');
  gzwrite(gz, zeros.data(), static_cast<unsigned>(zeros.size()));
  gzclose(gz);
}

TEST(MasterDataRecordChecksTest, PackageInflatingBeyondTheBudgetIsRefusedFromItsHeader) {
  TempFile pkg(".tar.gz");
  WriteBomb(pkg.path(), 1288490189ULL);  // 1.2 GiB declared, as a 1.2 MB gzip would inflate to
  package::PackageContents contents;
  ExpectRefused(package::ReadPackage(pkg.path(), &contents),
                {"masterdata/zeros.json", "beyond 256 MiB", "refused before unpacking"});
  EXPECT_TRUE(contents.all.empty());
}

TEST(BoundedReadTest, DevZeroIsRefusedNamingTheFile) {
  std::string out;
  Status s = ReadFileToString("/dev/zero", &out, 1 << 20);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("/dev/zero is larger than 1048576 bytes"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());
  // A regular file is refused by its size, before reading.
  TempFile f(".json");
  f.Write(std::string(2000, 'x'));
  s = ReadFileToString(f.path(), &out, 1000);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_TRUE(ReadFileToString(f.path(), &out, 2000).ok());
  EXPECT_EQ(out.size(), 2000u);
}

TEST(BoundedReadTest, MasterDataSourceFromDevZeroIsRefused) {
  MasterDataDocument doc;
  SourceInfo info;
  Status s = ReadMasterData("/dev/zero", &doc, &info);
  ExpectRefused(s, {"/dev/zero is not a regular file"});
}

TEST(Utf8Test, ValidityLengthAndRepairs) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Ärger \xF0\x9F\x98\x80"));
  size_t bad = 0;
  EXPECT_FALSE(IsValidUtf8("ab\xC0\xAF", &bad));  // overlong '/'
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_EQ(Utf8Length("Ärger"), 5u);
  EXPECT_EQ(PrintableText("a\xFF\nb"), "a\\xFF\\x0Ab");
  EXPECT_EQ(PrintableText("abcdef", 3), "abc...");
  EXPECT_EQ(ReplaceInvalidUtf8("ok"), "ok");
  EXPECT_EQ(ReplaceInvalidUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
}

}  // namespace
}  // namespace bamort::masterdata
