// CollationKeys: MariaDB's own sort keys (WEIGHT_STRING) for strings under
// utf8mb4_unicode_ci, the collation of Bamort's columns. Two strings are equal under
// the collation exactly when their keys are equal byte for byte, so code that holds the
// keys can match names in hash maps and still agree with the server's UNIQUE indexes
// and `WHERE name =` ('Hä' = 'Ha', U+FB00 = "ff", 'ß' = "ss"): the server computes every
// key, C++ only compares them.
//
// The collation pads with spaces ('a' = 'a '), but WEIGHT_STRING keeps the weights of
// trailing spaces, so every key has its trailing pad weights removed here (the pad
// weight is asked from the server once, not assumed).
//
// Not thread-safe; uses the Connection it was given.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

class CollationKeys {
 public:
  explicit CollationKeys(Connection* conn) : conn_(conn) {}

  // Queues s; Fetch() then asks the server for every queued string it has no key for.
  void Want(const std::string& s);
  Status Fetch();
  // The key of s, which must have been fetched.
  const std::string& Of(const std::string& s) const;

  // SQL giving the (untrimmed) key of a column, to be read back and passed to Trim.
  static std::string SqlFor(const std::string& column_sql);
  // Removes trailing pad weights from a key read through SqlFor (after one Fetch()).
  void Trim(std::string* key) const;

 private:
  Status FetchPadWeight();

  Connection* conn_;
  std::string pad_;  // the weight of ' '
  bool have_pad_ = false;
  std::unordered_map<std::string, std::string> keys_;
  std::vector<std::string> pending_;
};

}  // namespace bamort
