#include "masterdata/import_values.h"

#include <cerrno>
#include <cstdlib>

#include "masterdata/document.h"

namespace bamort::masterdata {

bool ParseInt(const std::string& text, long long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *out = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && *end == '\0';
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return *end == '\0';
}

bool SameId(const Value& db, uint64_t id) {
  if (!db) return id == 0;
  long long v;
  return ParseInt(*db, &v) && static_cast<uint64_t>(v) == id;
}

bool SameNumber(FieldType type, const Value& db, const std::string& file) {
  if (!db) return SameNumber(type, Value(kNullAsNumber), file);
  long long a, b;
  if (type == FieldType::kInt && ParseInt(*db, &a) && ParseInt(file, &b)) return a == b;
  double x, y;
  return ParseDouble(*db, &x) && ParseDouble(file, &y) && x == y;
}

bool CanonicalNumber(FieldType type, const std::string& db, std::string* out) {
  long long v;
  double d;
  if (type == FieldType::kInt && ParseInt(db, &v)) {
    *out = std::to_string(v);
    return true;
  }
  if (!ParseDouble(db, &d)) return false;
  if (type == FieldType::kBool) *out = d != 0 ? "1" : "0";
  else if (type == FieldType::kInt) *out = std::to_string(static_cast<long long>(d));
  else *out = FormatDouble(d);
  return true;
}

std::string Utf8Left(const std::string& s, int n) {
  size_t i = 0;
  for (int chars = 0; i < s.size() && chars < n; ++chars) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

}  // namespace bamort::masterdata
