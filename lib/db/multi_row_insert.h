// MultiRowInsert: fast inserts by batching many rows into one INSERT statement
// (measured ~25x faster than one statement per row over TCP). Values are escaped by
// the connection; NULL is nullopt. Flushes when a batch reaches rows_per_statement rows
// or max_statement_bytes bytes, whichever comes first, so a table of 462 KB images
// still stays under max_allowed_packet.
//
// Each full statement is sent without waiting (Connection::Send): the next batch is
// built while the server runs the previous one, and its Status arrives with the next
// Add() or Finish(). Until Finish() the connection belongs to this object; the
// destructor reads an outstanding result so an abandoned insert (after an error
// elsewhere) leaves the connection usable for the ROLLBACK.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

class MultiRowInsert {
 public:
  // verb is "INSERT", "INSERT IGNORE" or "REPLACE".
  MultiRowInsert(Connection* conn, const std::string& table, const std::vector<std::string>& columns,
                 size_t rows_per_statement = 1000, size_t max_statement_bytes = 4 << 20,
                 const std::string& verb = "INSERT");
  ~MultiRowInsert();
  MultiRowInsert(const MultiRowInsert&) = delete;
  MultiRowInsert& operator=(const MultiRowInsert&) = delete;
  Status Add(const std::vector<Value>& values);
  Status Finish();
  uint64_t rows_written() const { return rows_written_; }

 private:
  Status Flush();

  Connection* conn_;
  std::string prefix_;
  size_t column_count_;
  size_t rows_per_statement_;
  size_t max_statement_bytes_;
  std::string sql_;
  size_t pending_rows_ = 0;
  size_t sent_rows_ = 0;  // rows of the statement the server is running
  uint64_t rows_written_ = 0;
};

}  // namespace bamort
