// JsonValue: a light, mutable JSON tree and its parser, for large documents (a 40 MB
// master-data export). Poco::JSON builds a Dynamic::Var, a SharedPtr and a std::map per
// value, which made parsing and reading back the import's records cost more than its
// SQL (docs/MASTERDATA.md, "Benchmark"). Here a scalar is one string (a string's
// content, or a number's literal text, so the reader decides which type it wants), and
// an object keeps its members in document order and is searched linearly (records have
// a few dozen fields at most). Plain value; not thread-safe for writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace bamort {

class JsonValue {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;
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
  size_t size() const { return items_.size(); }
  const JsonValue& at(size_t i) const { return items_[i]; }
  JsonValue& at(size_t i) { return items_[i]; }
  void Append(JsonValue v) { items_.push_back(std::move(v)); }
  std::vector<JsonValue>& items() { return items_; }
  const std::vector<JsonValue>& items() const { return items_; }

  // Objects. Find returns the last member of that name (as a map that overwrites would
  // keep), nullptr when absent. Set replaces that member or appends one.
  const std::vector<std::string>& keys() const { return keys_; }
  const JsonValue* Find(std::string_view key) const;
  JsonValue* Find(std::string_view key);
  void Set(const std::string& key, JsonValue v);
  bool Remove(std::string_view key);  // every member of that name; false when none

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<std::string> keys_;  // object member names, parallel to items_
};

// Parses text as one JSON value (RFC 8259; surrounding white space allowed). Malformed
// text is kBadInput with "line L column C: what is wrong" as the message.
Status ParseJsonValue(std::string_view text, JsonValue* out);

}  // namespace bamort
