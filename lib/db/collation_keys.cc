#include "db/collation_keys.h"

namespace bamort {

namespace {

constexpr const char* kCollation = "utf8mb4_unicode_ci";
// Strings per statement: ~5,000 names of ~20 bytes are a 100 KB statement.
constexpr size_t kBatch = 5000;

}  // namespace

std::string CollationKeys::SqlFor(const std::string& column_sql) {
  return "WEIGHT_STRING(" + column_sql + " COLLATE " + kCollation + ")";
}

void CollationKeys::Want(const std::string& s) {
  if (keys_.find(s) != keys_.end()) return;
  keys_.emplace(s, std::string());
  pending_.push_back(s);
}

Status CollationKeys::FetchPadWeight() {
  if (have_pad_) return Status::Ok();
  Value pad;
  BAMORT_RETURN_IF_ERROR(conn_->QueryValue("SELECT " + SqlFor("_utf8mb4' '"), &pad));
  if (!pad || pad->empty()) return Status::Failed("internal: the server gave no weight for a space");
  pad_ = *pad;
  have_pad_ = true;
  return Status::Ok();
}

void CollationKeys::Trim(std::string* key) const {
  if (pad_.empty()) return;
  while (key->size() >= pad_.size() && key->size() % pad_.size() == 0 &&
         key->compare(key->size() - pad_.size(), pad_.size(), pad_) == 0)
    key->resize(key->size() - pad_.size());
}

Status CollationKeys::Fetch() {
  BAMORT_RETURN_IF_ERROR(FetchPadWeight());
  for (size_t start = 0; start < pending_.size(); start += kBatch) {
    size_t end = std::min(pending_.size(), start + kBatch);
    // A table value constructor: its first row names the columns (and is a row too,
    // skipped by its non-numeric position). The position ties each key to its string
    // without relying on the order of the result.
    std::string sql = "SELECT `i`, " + SqlFor("`k`") + " FROM (VALUES ('i', 'k')";
    for (size_t i = start; i < end; ++i) sql += ", (" + std::to_string(i) + ", " + conn_->Quote(pending_[i]) + ")";
    sql += ") AS `t`";
    size_t got = 0;
    Status s = conn_->QueryEach(sql, [&](const ResultSet&, const Row& row) {
      if (!row[0] || *row[0] == "i") return Status::Ok();
      size_t i = std::stoul(*row[0]);
      if (i < start || i >= end || !row[1]) return Status::Failed("internal: unexpected row from WEIGHT_STRING");
      std::string key = *row[1];
      Trim(&key);
      keys_[pending_[i]] = std::move(key);
      ++got;
      return Status::Ok();
    });
    BAMORT_RETURN_IF_ERROR(s);
    if (got != end - start)
      return Status::Failed("internal: " + std::to_string(got) + " collation keys for " + std::to_string(end - start) +
                            " strings");
  }
  pending_.clear();
  return Status::Ok();
}

const std::string& CollationKeys::Of(const std::string& s) const { return keys_.at(s); }

}  // namespace bamort
