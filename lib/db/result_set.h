// ResultSet: the rows of one query, every value as text exactly as the server sent it
// (the text protocol), or NULL. Numbers, DATETIME(3) and unsigned 64-bit ids are read
// from that text without loss; LONGTEXT arrives whole whatever its size.
// Not thread-safe; a ResultSet owns its data and outlives the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bamort {

using Value = std::optional<std::string>;  // nullopt is SQL NULL
using Row = std::vector<Value>;

struct ColumnInfo {
  std::string name;
  int type = 0;            // enum_field_types of Connector/C
  bool is_unsigned = false;
  bool is_numeric = false;  // the value is written without quotes in SQL
  bool is_binary = false;
};

class ResultSet {
 public:
  std::vector<ColumnInfo> columns;
  std::vector<Row> rows;

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  // Index of a column by name, or -1.
  int ColumnIndex(const std::string& name) const;

  // Convenience accessors; a NULL or unparsable value yields the fallback.
  std::string GetString(size_t row, size_t col, const std::string& fallback = "") const;
  int64_t GetInt64(size_t row, size_t col, int64_t fallback = 0) const;
  uint64_t GetUInt64(size_t row, size_t col, uint64_t fallback = 0) const;
  bool IsNull(size_t row, size_t col) const { return !rows.at(row).at(col).has_value(); }
};

}  // namespace bamort
