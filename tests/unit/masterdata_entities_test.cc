// The master-data declaration: all 24 upstream entities, a valid topological import
// order, and broken declarations (cycle, unknown reference, bad key) refused.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "masterdata/document.h"
#include "masterdata/entities.h"

namespace bamort::masterdata {
namespace {

size_t IndexOf(const std::vector<const EntitySpec*>& order, const std::string& name) {
  for (size_t i = 0; i < order.size(); ++i)
    if (order[i]->name == name) return i;
  return order.size();
}

TEST(MasterDataEntitiesTest, DeclaresAll24UpstreamFilesAndIsValid) {
  EXPECT_EQ(Entities().size(), 24u);
  std::vector<std::string> files;
  for (const EntitySpec& e : Entities()) files.push_back(e.file_v1);
  std::sort(files.begin(), files.end());
  EXPECT_EQ(std::unique(files.begin(), files.end()), files.end());
  Status s = ValidateEntities(Entities());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(MasterDataEntitiesTest, ImportOrderPutsEveryReferenceFirst) {
  std::vector<const EntitySpec*> order;
  ASSERT_TRUE(ImportOrder(Entities(), &order).ok());
  ASSERT_EQ(order.size(), 24u);
  for (const EntitySpec* e : order) {
    for (const ReferenceSpec& r : e->references) EXPECT_LT(IndexOf(order, r.target), IndexOf(order, e->name)) << e->name;
    if (!e->parent.empty()) {
      EXPECT_LT(IndexOf(order, e->parent), IndexOf(order, e->name));
    }
  }
  EXPECT_EQ(order.front()->name, "sources");
}

TEST(MasterDataEntitiesTest, CycleIsRefused) {
  std::vector<EntitySpec> broken = Entities();
  for (EntitySpec& e : broken)
    if (e.name == "sources") {
      ReferenceSpec r;
      r.target = "spells";
      r.json_fields = {"spell_name"};
      r.match_columns = {"name"};
      r.column = "spell_id";
      e.references.push_back(r);
    }
  Status s = ValidateEntities(broken);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s.message();
}

TEST(MasterDataEntitiesTest, UnknownReferenceIsRefused) {
  std::vector<EntitySpec> broken = Entities();
  broken[1].references[0].target = "no_such_entity";
  Status s = ValidateEntities(broken);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown entity 'no_such_entity'"), std::string::npos) << s.message();
}

TEST(MasterDataEntitiesTest, KeyPartThatIsNoFieldIsRefused) {
  std::vector<EntitySpec> broken = Entities();
  broken[0].key = {"nonexistent"};
  EXPECT_FALSE(ValidateEntities(broken).ok());
}

TEST(MasterDataEntitiesTest, MiscLookupsAreKeyedByKeyAndValue) {
  const EntitySpec* misc = FindEntity("misc_lookups");
  ASSERT_NE(misc, nullptr);
  EXPECT_EQ(misc->key, (std::vector<std::string>{"key", "value"}));
}

TEST(MasterDataJsonTest, DoublesAndStringsAreWrittenReproducibly) {
  EXPECT_EQ(FormatDouble(13.0), "13");
  EXPECT_EQ(FormatDouble(0.25), "0.25");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(JsonQuote("a\"b\\c\r\n\x01 & ä"), "\"a\\\"b\\\\c\\r\\n\\u0001 & ä\"");
}

// A document over 1 MB is cut into its entity arrays, which are parsed on two threads:
// it must read exactly as the whole-text parse does, and a malformed one must still get
// that parse's message with line and column.
TEST(MasterDataJsonTest, LargeDocumentReadInPartsEqualsTheWholeTextParse) {
  std::string records;
  for (int i = 0; i < 20000; ++i)
    records += std::string(i ? ",\n" : "") + R"({"name": "Glaube )" + std::to_string(i) +
               R"(", "game_system": "midgard", "beschreibung": "Text mit \"Zitat\" und ]}", "page_number": )" +
               std::to_string(i % 300) + R"(, "source_code": ""})";
  std::string text = R"({"export_version": "2.0", "backend_version": "", "timestamp": "", "game_system": "M5", )"
                     R"("data": {"believes": [)" + records + R"(], "sources": []}})";
  ASSERT_GT(text.size(), 1u << 20);
  char path[] = "/tmp/bamort-doc-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  auto read = [&](const std::string& content, MasterDataDocument* doc, SourceInfo* info) {
    FILE* f = std::fopen(path, "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return ReadMasterData(path, doc, info);
  };
  MasterDataDocument doc;
  SourceInfo info;
  Status s = read(text, &doc, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(doc.game_system, "M5");
  ASSERT_EQ(doc.data.at("believes").size(), 20000u);
  EXPECT_TRUE(doc.data.at("sources").is_array());
  EXPECT_EQ(doc.data.at("believes").at(19999).Find("name")->text(), "Glaube 19999");
  EXPECT_EQ(doc.data.at("believes").at(7).Find("beschreibung")->text(), "Text mit \"Zitat\" und ]}");
  EXPECT_EQ(doc.data.at("believes").at(7).Find("page_number")->text(), "7");
  // An error on line 5001 of the records (line 1 holds the header and the first record).
  std::string bad = text;
  size_t at = 0;
  for (int line = 1; line < 5001; ++line) at = bad.find('\n', at) + 1;
  bad.insert(bad.find("\"page_number\": ", at) + 15, "x");
  MasterDataDocument doc2;
  SourceInfo info2;
  s = read(bad, &doc2, &info2);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("line 5001 column"), std::string::npos) << s.message();
  std::remove(path);
}

}  // namespace
}  // namespace bamort::masterdata
