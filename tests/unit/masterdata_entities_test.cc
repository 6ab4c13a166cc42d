// The master-data declaration: all 24 upstream entities, a valid topological import
// order, and broken declarations (cycle, unknown reference, bad key) refused.
#include <gtest/gtest.h>

#include <algorithm>

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

}  // namespace
}  // namespace bamort::masterdata
