#include "common/json_value.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace bamort {

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.text_ = b ? "true" : "false";
  return v;
}

JsonValue JsonValue::Number(std::string literal) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.text_ = std::move(literal);
  return v;
}

JsonValue JsonValue::String(std::string text) {
  JsonValue v;
  v.type_ = Type::kString;
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::Array() {
  JsonValue v;
  v.type_ = Type::kArray;
  return v;
}

JsonValue JsonValue::Object() {
  JsonValue v;
  v.type_ = Type::kObject;
  return v;
}

JsonValue::JsonValue(const JsonValue& other)
    : text_(other.text_), c_(other.c_ ? std::make_unique<Container>(*other.c_) : nullptr), type_(other.type_) {}

JsonValue& JsonValue::operator=(const JsonValue& other) {
  if (this != &other) *this = JsonValue(other);
  return *this;
}

const std::vector<JsonValue>& JsonValue::items() const {
  static const std::vector<JsonValue> kNone;
  return c_ ? c_->items : kNone;
}

const std::vector<std::string>& JsonValue::keys() const {
  static const std::vector<std::string> kNone;
  return c_ && c_->keys ? *c_->keys : kNone;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (!c_ || !c_->keys) return nullptr;
  const std::vector<std::string>& keys = *c_->keys;
  for (size_t i = keys.size(); i-- > 0;)
    if (keys[i] == key) return &c_->items[i];
  return nullptr;
}

JsonValue* JsonValue::Find(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->Find(key));
}

void JsonValue::Set(const std::string& key, JsonValue v) {
  if (JsonValue* existing = Find(key)) {
    *existing = std::move(v);
    return;
  }
  auto keys = std::make_shared<std::vector<std::string>>(this->keys());
  keys->push_back(key);
  container().keys = std::move(keys);
  c_->items.push_back(std::move(v));
}

bool JsonValue::Remove(std::string_view key) {
  if (Find(key) == nullptr) return false;
  auto keys = std::make_shared<std::vector<std::string>>(*c_->keys);
  for (size_t i = keys->size(); i-- > 0;)
    if ((*keys)[i] == key) {
      keys->erase(keys->begin() + i);
      c_->items.erase(c_->items.begin() + i);
    }
  c_->keys = std::move(keys);
  return true;
}

// Recursive descent over the text; every error names line and column.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()) {}

  Status Parse(JsonValue* out) {
    SkipSpace();
    if (!Value(out, 0)) return Error();
    SkipSpace();
    if (p_ != end_) {
      Fail("unexpected text after the JSON value");
      return Error();
    }
    return Status::Ok();
  }

 private:
  // Deep enough for any real document, shallow enough for the stack (fuzzed input).
  static constexpr int kMaxDepth = 256;

  bool Fail(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }

  Status Error() const {
    size_t line = 1, column = 1;
    for (const char* c = begin_; c < p_ && c < end_; ++c) {
      if (*c == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Status::BadInput("line " + std::to_string(line) + " column " + std::to_string(column) + ": " + error_);
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return Fail("invalid literal");
    p_ += n;
    return true;
  }

  bool Value(JsonValue* out, int depth) {
    if (p_ == end_) return Fail("unexpected end of input");
    switch (*p_) {
      case '{': return ObjectValue(out, depth);
      case '[': return ArrayValue(out, depth);
      case '"':
        out->type_ = JsonValue::Type::kString;
        return StringText(&out->text_);
      case 't':
        out->type_ = JsonValue::Type::kBool;
        out->text_ = "true";
        return Literal("true", 4);
      case 'f':
        out->type_ = JsonValue::Type::kBool;
        out->text_ = "false";
        return Literal("false", 5);
      case 'n':
        out->type_ = JsonValue::Type::kNull;
        return Literal("null", 4);
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return NumberText(out);
        return Fail("unexpected character");
    }
  }

  bool ArrayValue(JsonValue* out, int depth) {
    if (depth >= kMaxDepth) return Fail("nested too deeply");
    out->type_ = JsonValue::Type::kArray;
    ++p_;
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    size_t base = items_.size();
    for (;;) {
      JsonValue v;
      if (!Value(&v, depth + 1)) return false;
      items_.push_back(std::move(v));
      SkipSpace();
      if (p_ == end_) return Fail("unexpected end of input in an array");
      if (*p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        TakeItems(base, out);
        return true;
      }
      return Fail("expected ',' or ']' in an array");
    }
  }

  bool ObjectValue(JsonValue* out, int depth) {
    if (depth >= kMaxDepth) return Fail("nested too deeply");
    out->type_ = JsonValue::Type::kObject;
    ++p_;
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    size_t base = items_.size(), key_base = keys_.size();
    for (;;) {
      if (p_ == end_ || *p_ != '"') return Fail("expected a member name in an object");
      std::string key;
      if (!StringText(&key)) return false;
      keys_.push_back(std::move(key));
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return Fail("expected ':' after a member name");
      ++p_;
      SkipSpace();
      JsonValue v;
      if (!Value(&v, depth + 1)) return false;
      items_.push_back(std::move(v));
      SkipSpace();
      if (p_ == end_) return Fail("unexpected end of input in an object");
      if (*p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        TakeItems(base, out);
        out->c_->keys = SharedKeys(key_base, depth);
        keys_.resize(key_base);
        return true;
      }
      return Fail("expected ',' or '}' in an object");
    }
  }

  // The member names keys_[key_base...] as a list shared with the previous object at
  // this depth when the names are the same.
  JsonValue::Keys SharedKeys(size_t key_base, int depth) {
    if (shape_by_depth_.size() <= static_cast<size_t>(depth)) shape_by_depth_.resize(depth + 1);
    JsonValue::Keys& last = shape_by_depth_[depth];
    size_t n = keys_.size() - key_base;
    if (last && last->size() == n && std::equal(last->begin(), last->end(), keys_.begin() + key_base)) return last;
    last = std::make_shared<const std::vector<std::string>>(std::make_move_iterator(keys_.begin() + key_base),
                                                            std::make_move_iterator(keys_.end()));
    return last;
  }

  // Moves the finished container's values off the scratch stack into an exactly sized
  // vector: growing each record's vectors one push_back at a time made malloc the
  // parser's main cost.
  void TakeItems(size_t base, JsonValue* out) {
    out->container().items.assign(std::make_move_iterator(items_.begin() + base), std::make_move_iterator(items_.end()));
    items_.resize(base);
  }

  bool NumberText(JsonValue* out) {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_) return Fail("invalid number");
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return Fail("invalid number");
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return Fail("invalid number");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return Fail("invalid number");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    out->type_ = JsonValue::Type::kNumber;
    out->text_.assign(start, p_ - start);
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(uint32_t* out) {
    if (end_ - p_ < 4) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = *p_;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return Fail("invalid \\u escape");
    }
    *out = v;
    return true;
  }

  // At the opening quote; leaves p_ after the closing one.
  bool StringText(std::string* out) {
    ++p_;
    // Fast path: copy runs without escapes in one go.
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
      out->append(run, p_ - run);
      if (p_ == end_) return Fail("unterminated string");
      if (*p_ == '"') {
        ++p_;
        return true;
      }
      if (*p_ != '\\') return Fail("control character in a string");
      ++p_;
      if (p_ == end_) return Fail("unterminated string");
      char c = *p_++;
      switch (c) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return Fail("unpaired surrogate in \\u escape");
            p_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("unpaired surrogate in \\u escape");
          }
          AppendUtf8(cp, out);
          break;
        }
        default: --p_; return Fail("invalid escape in a string");
      }
    }
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  std::string error_;
  std::vector<JsonValue> items_;   // values of the open arrays and objects, innermost last
  std::vector<std::string> keys_;  // member names of the open objects
  std::vector<JsonValue::Keys> shape_by_depth_;
};

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpaces(std::string_view t, size_t i) {
  while (i < t.size() && IsSpace(t[i])) ++i;
  return i;
}

// The index after the string starting at t[i] == '"', or npos.
size_t SkipString(std::string_view t, size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') ++i;
    else if (t[i] == '"') return i + 1;
  }
  return std::string_view::npos;
}

// The index after the value starting at t[i], or npos. Scalars end at the next ',', '}'
// or ']' (their text is checked later, by the real parse).
size_t SkipValue(std::string_view t, size_t i) {
  if (i >= t.size()) return std::string_view::npos;
  if (t[i] == '"') return SkipString(t, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !IsSpace(t[i])) ++i;
    return i;
  }
  std::vector<char> open;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"') {
      i = SkipString(t, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (c == '{' || c == '[') {
      open.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != c) return std::string_view::npos;
      open.pop_back();
      if (open.empty()) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool SplitJsonObject(std::string_view text, std::vector<std::pair<std::string, std::string_view>>* members) {
  members->clear();
  size_t i = SkipSpaces(text, 0);
  if (i >= text.size() || text[i] != '{') return false;
  i = SkipSpaces(text, i + 1);
  if (i < text.size() && text[i] == '}') return SkipSpaces(text, i + 1) == text.size();
  for (;;) {
    if (i >= text.size() || text[i] != '"') return false;
    size_t name_end = SkipString(text, i);
    if (name_end == std::string_view::npos) return false;
    std::string_view name = text.substr(i + 1, name_end - i - 2);
    if (name.find('\\') != std::string_view::npos) return false;
    for (const auto& m : *members)
      if (m.first == name) return false;
    i = SkipSpaces(text, name_end);
    if (i >= text.size() || text[i] != ':') return false;
    size_t value = SkipSpaces(text, i + 1);
    size_t value_end = SkipValue(text, value);
    if (value_end == std::string_view::npos || value_end == value) return false;
    members->emplace_back(std::string(name), text.substr(value, value_end - value));
    i = SkipSpaces(text, value_end);
    if (i >= text.size()) return false;
    if (text[i] == '}') return SkipSpaces(text, i + 1) == text.size();
    if (text[i] != ',') return false;
    i = SkipSpaces(text, i + 1);
  }
}

Status ParseJsonValue(std::string_view text, JsonValue* out) {
  *out = JsonValue();
  JsonParser parser(text);
  return parser.Parse(out);
}

}  // namespace bamort
