// DumpStreamParser: reads the rows out of mariadb-dump's output while it streams into
// dump.sql.gz, so the backup needs the server to read every table only once: the row
// counts of the manifest and the JSON export (json_export.h) come from the very bytes of
// the SQL dump, in its snapshot.
//
// It understands the shape mariadb-dump writes (with --add-locks and --hex-blob): the
// data of table t sits between the lines "LOCK TABLES `t` WRITE;" and "UNLOCK TABLES;",
// as extended INSERT statements "INSERT INTO `t` VALUES (..),(..);" whose tuples may be
// on one line or one per line. Values are NULL, numbers and other unquoted words (passed
// on as written: the server's own text), 'strings' with backslash escapes (unescaped),
// and 0x hex (binary columns; decoded). Everything outside the LOCK/UNLOCK sections
// (DDL, comments, triggers, routines) is skipped, so an INSERT inside a trigger body is
// never mistaken for data. Anything unexpected inside a data section is an error naming
// the table: a set never holds an export that silently differs from its dump.
//
// Feed() takes arbitrary pieces of the stream (a value may span pieces). Not
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace bamort {

class DumpRowListener {
 public:
  virtual ~DumpRowListener() = default;
  // "LOCK TABLES `t` WRITE;": the data of t follows.
  virtual Status OnTableStart(const std::string& table) = 0;
  // One tuple. nullopt is SQL NULL; strings are unescaped, 0x hex decoded to bytes.
  virtual Status OnRow(const std::string& table, const std::vector<std::optional<std::string>>& values) = 0;
  // "UNLOCK TABLES;": rows is how many tuples the section held.
  virtual Status OnTableEnd(const std::string& table, uint64_t rows) = 0;
};

class DumpStreamParser {
 public:
  // listener nullptr: count only. The shape is checked as strictly and rows() filled,
  // but no value is copied or decoded (the restore's check of a set, restore_checks.h).
  explicit DumpStreamParser(DumpRowListener* listener) : listener_(listener) {}

  Status Feed(std::string_view data);
  // The stream ended: kFailed if it ended inside a data section or a statement.
  Status Finish();

  // Rows per table, for every table that had a data section.
  const std::map<std::string, uint64_t>& rows() const { return rows_; }
  // True once the first data section started: mariadb-dump has opened its snapshot.
  bool saw_data() const { return saw_data_; }

 private:
  enum class State { kLine, kInsertHead, kBetweenTuples, kBeforeValue, kString, kStringEscape, kWord, kAfterValue };

  Status OnLine(std::string_view line);
  Status EndValue();
  Status Error(const std::string& what) const;

  DumpRowListener* listener_;
  State state_ = State::kLine;
  std::string line_;        // the current line outside of INSERT values
  std::string table_;       // the data section we are in, empty outside
  std::string value_;       // the value being read
  std::vector<std::optional<std::string>> row_;
  bool value_is_string_ = false;
  uint64_t section_rows_ = 0;
  std::map<std::string, uint64_t> rows_;
  bool saw_data_ = false;
};

}  // namespace bamort
