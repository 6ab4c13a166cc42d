#include "db/result_set.h"

#include <cstdlib>

namespace bamort {

int ResultSet::ColumnIndex(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string ResultSet::GetString(size_t row, size_t col, const std::string& fallback) const {
  const Value& v = rows.at(row).at(col);
  return v ? *v : fallback;
}

int64_t ResultSet::GetInt64(size_t row, size_t col, int64_t fallback) const {
  const Value& v = rows.at(row).at(col);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  return (end && *end == '\0') ? n : fallback;
}

uint64_t ResultSet::GetUInt64(size_t row, size_t col, uint64_t fallback) const {
  const Value& v = rows.at(row).at(col);
  if (!v || v->empty() || (*v)[0] == '-') return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v->c_str(), &end, 10);
  return (end && *end == '\0') ? n : fallback;
}

}  // namespace bamort
