// JsonValue: a light, mutable JSON tree and its parser, for large documents (a 40 MB
// master-data export). Poco::JSON builds a Dynamic::Var, a SharedPtr and a std::map per
// value, which made parsing and reading back the import's records cost more than its
// SQL (docs/MASTERDATA.md, "Benchmark"). Here a scalar is one string (a string's
// content, or a number's literal text, so the reader decides which type it wants), and
// an object keeps its members in document order and is searched linearly (records have
// a few dozen fields at most). Plain value; not thread-safe for writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace bamort {

class JsonValue {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;
  JsonValue(const JsonValue& other);
  JsonValue& operator=(const JsonValue& other);
  JsonValue(JsonValue&&) noexcept = default;
  JsonValue& operator=(JsonValue&&) noexcept = default;
  static JsonValue Bool(bool b);
  static JsonValue Number(std::string literal);  // literal must be valid JSON number text
  static JsonValue String(std::string text);
  static JsonValue Array();
  static JsonValue Object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  // A string's content, a number's literal text, "true"/"false" for a bool, "" otherwise.
  const std::string& text() const { return text_; }
  bool bool_value() const { return type_ == Type::kBool && text_ == "true"; }

  // Arrays (and an object's member values, in document order).
  size_t size() const { return c_ ? c_->items.size() : 0; }
  const JsonValue& at(size_t i) const { return c_->items[i]; }
  JsonValue& at(size_t i) { return c_->items[i]; }
  void Append(JsonValue v) { container().items.push_back(std::move(v)); }
  std::vector<JsonValue>& items() { return container().items; }
  const std::vector<JsonValue>& items() const;

  // Objects. Find returns the last member of that name (as a map that overwrites would
  // keep), nullptr when absent. Set replaces that member or appends one.
  const std::vector<std::string>& keys() const;
  const JsonValue* Find(std::string_view key) const;
  JsonValue* Find(std::string_view key);
  void Set(const std::string& key, JsonValue v);
  bool Remove(std::string_view key);  // every member of that name; false when none

 private:
  friend class JsonParser;
  // Only arrays and objects have one: a scalar stays at 48 bytes (the 100,000-record
  // document has ~1.5 million of them, and first-touch page faults dominated parsing).
  // An object's member names are shared with the objects parsed before it at the same
  // depth when they are the same list (every record of an export array is): 130,000
  // records with ~17 names each were a third of the tree's memory. Never changed in
  // place; Set and Remove give the object its own copy.
  using Keys = std::shared_ptr<const std::vector<std::string>>;
  struct Container {
    std::vector<JsonValue> items;
    Keys keys;  // object member names, parallel to items (null: none)
  };
  Container& container() {
    if (!c_) c_ = std::make_unique<Container>();
    return *c_;
  }

  std::string text_;
  std::unique_ptr<Container> c_;
  Type type_ = Type::kNull;
};

// Parses text as one JSON value (RFC 8259; surrounding white space allowed). Malformed
// text is kBadInput with "line L column C: what is wrong" as the message.
Status ParseJsonValue(std::string_view text, JsonValue* out);

// Cuts the text of one JSON object into its members, name and value text, without
// parsing the values (only strings and brackets are followed), so that large values can
// be parsed on several threads. False when the text is not a plain object this simple
// scan can cut (malformed, a member name with an escape, a duplicate name): the caller
// then parses the whole text, which also gives the precise error message.
bool SplitJsonObject(std::string_view text, std::vector<std::pair<std::string, std::string_view>>* members);

}  // namespace bamort
