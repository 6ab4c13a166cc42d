// How the import compares the file's normalised text (record_values.h) with what the
// table holds, and how it builds keys: numbers as the server compares them, a NULL as
// the export writes it ("" / 0), composite keys with length-prefixed parts, and
// MariaDB's LEFT() on UTF-8. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "db/connection.h"
#include "masterdata/entities.h"

namespace bamort::masterdata {

// A table or column name quoted for SQL.
inline std::string QuoteName(const std::string& name) { return Connection::QuoteIdentifier(name); }

// "No record" / "no row" in the import's uint32_t record indexes.
inline constexpr uint32_t kNoRecord = 0xffffffffu;
// A NULL number or id in the table compares as the export writes it.
inline constexpr const char* kNullAsNumber = "0";

bool ParseInt(const std::string& text, long long* out);
bool ParseDouble(const std::string& text, double* out);

// A NULL in the table compares the way the export writes it: "" for a string, 0 for a
// number or an id. The format has no NULL, so exporting a database and importing the
// export into it again must find every row unchanged.
bool SameId(const Value& db, uint64_t id);
inline bool SameString(const Value& db, const std::string& file) { return db ? *db == file : file.empty(); }
// The same number, as the server compares a numeric column with a typed value.
bool SameNumber(FieldType type, const Value& db, const std::string& file);
// A number from the database in the file's normalised text, for keys; false when it is no number.
bool CanonicalNumber(FieldType type, const std::string& db, std::string* out);

// The first n characters of UTF-8 text, as MariaDB's LEFT() counts them.
std::string Utf8Left(const std::string& s, int n);
// One part of a composite key, length-prefixed so that parts cannot run into each other.
inline void AppendPart(std::string* key, std::string_view part) {
  uint32_t n = static_cast<uint32_t>(part.size());
  key->append(reinterpret_cast<const char*>(&n), sizeof n);
  key->append(part);
}

}  // namespace bamort::masterdata
