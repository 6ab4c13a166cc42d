#include "common/json_value.h"

#include <gtest/gtest.h>

namespace bamort {
namespace {

TEST(JsonValueTest, ParsesScalarsArraysAndObjectsInOrder) {
  JsonValue v;
  ASSERT_TRUE(ParseJsonValue(R"( {"b": [1, -2.5e3, true, false, null], "a": "x", "c": {}} )", &v).ok());
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.keys(), (std::vector<std::string>{"b", "a", "c"}));
  const JsonValue* b = v.Find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->size(), 5u);
  EXPECT_EQ(b->at(0).type(), JsonValue::Type::kNumber);
  EXPECT_EQ(b->at(0).text(), "1");
  EXPECT_EQ(b->at(1).text(), "-2.5e3");
  EXPECT_TRUE(b->at(2).bool_value());
  EXPECT_EQ(b->at(3).type(), JsonValue::Type::kBool);
  EXPECT_FALSE(b->at(3).bool_value());
  EXPECT_TRUE(b->at(4).is_null());
  EXPECT_EQ(v.Find("a")->text(), "x");
  EXPECT_TRUE(v.Find("c")->is_object());
  EXPECT_EQ(v.Find("missing"), nullptr);
}

TEST(JsonValueTest, DecodesEscapesToUtf8) {
  JsonValue v;
  ASSERT_TRUE(ParseJsonValue(R"("a\"b\\c\/\n\t\u00e4\u20ac\ud83d\ude00 Hä")", &v).ok());
  EXPECT_EQ(v.text(), "a\"b\\c/\n\t\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80 H\xC3\xA4");
}

TEST(JsonValueTest, LastDuplicateMemberWinsAndSetRemoveWork) {
  JsonValue v;
  ASSERT_TRUE(ParseJsonValue(R"({"k": 1, "k": 2})", &v).ok());
  EXPECT_EQ(v.Find("k")->text(), "2");
  v.Set("k", JsonValue::String("s"));
  EXPECT_EQ(v.Find("k")->text(), "s");
  v.Set("n", JsonValue::Array());
  EXPECT_TRUE(v.Find("n")->is_array());
  EXPECT_TRUE(v.Remove("k"));
  EXPECT_EQ(v.Find("k"), nullptr);
  EXPECT_FALSE(v.Remove("k"));
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"n"}));
}

TEST(JsonValueTest, MalformedTextNamesLineAndColumn) {
  JsonValue v;
  for (const char* bad : {"", "[1,", "[1 2]", "{\"a\" 1}", "{\"a\":}", "tru", "01", "1.", "-", "\"abc",
                          "\"a\x01\"", "\"\\x\"", "\"\\ud800\"", "[1] 2", "{\"a\":1,}", "[1,]", "nul"}) {
    Status s = ParseJsonValue(bad, &v);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << bad;
  }
  Status s = ParseJsonValue("[\n  {\"a\": 1},\n  {\"a\": x}\n]", &v);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("line 3 column 9"), std::string::npos) << s.message();
}

TEST(JsonValueTest, RefusesNestingDeeperThanTheLimit) {
  JsonValue v;
  std::string deep(100000, '[');
  EXPECT_FALSE(ParseJsonValue(deep, &v).ok());
  std::string ok = std::string(200, '[') + std::string(200, ']');
  EXPECT_TRUE(ParseJsonValue(ok, &v).ok());
}

TEST(JsonValueTest, SplitObjectCutsMembersWithoutParsingThem) {
  std::vector<std::pair<std::string, std::string_view>> m;
  std::string text = R"( {"a": 1 , "b": [1, {"x": "]}\""}], "c": "s\"}", "d": {"e": []}} )";
  ASSERT_TRUE(SplitJsonObject(text, &m));
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].first, "a");
  EXPECT_EQ(m[0].second, "1");
  EXPECT_EQ(m[1].second, R"([1, {"x": "]}\""}])");
  EXPECT_EQ(m[2].second, R"("s\"}")");
  EXPECT_EQ(m[3].second, R"({"e": []})");
  ASSERT_TRUE(SplitJsonObject("{}", &m));
  EXPECT_TRUE(m.empty());
  // Whatever this scan cannot be sure of goes to the full parse instead.
  for (const char* refused : {"[1]", R"({"a": 1, "a": 2})", R"({"a\u0062": 1})", R"({"a": [1})", R"({"a": 1} x)",
                              R"({"a": })", R"({"a" 1})", R"({"a": 1,})", R"({"a": [}])", ""})
    EXPECT_FALSE(SplitJsonObject(refused, &m)) << refused;
}

}  // namespace
}  // namespace bamort
