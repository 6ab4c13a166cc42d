// ParallelLoadSqlDump: loads a gzip SQL dump made by DumpSqlToGzip (mariadb-dump, see
// sql_dump.h) into a database over several connections, instead of feeding it to one
// mariadb client. The dump is read and parsed once, by the calling thread:
//
// - The data of table t is the lines between "LOCK TABLES `t` WRITE;" and
//   "UNLOCK TABLES;": extended INSERTs that mariadb-dump writes one per line (values never
//   hold a raw line break). They are cut into chunks of about chunk_bytes and handed to
//   `workers` connections through a bounded queue, each chunk one transaction. Chunks of
//   different tables, and of one big table, load at the same time.
// - Everything else (the header's SET statements, DROP/CREATE TABLE, views, routines, the
//   trailer) is split by DumpStatementSplitter and runs in dump order on the calling
//   thread's own connection, so a table exists before its data is queued.
// - CREATE TRIGGER and CREATE EVENT wait until every worker is done (a trigger must not
//   fire on restored rows), and run with the dump's SET statements replayed in order, so
//   each gets the sql_mode and character set the dump gave it.
//
// Every worker starts with the dump header's SET statements (FOREIGN_KEY_CHECKS=0,
// UNIQUE_CHECKS=0, time zone, sql_mode, character set), plus sql_log_bin=0 where the user
// may set it. The first failing statement stops the reader and every worker; all threads
// are joined on every path, and the error names the table (or the dump line) and the
// statement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "config/db_config.h"

namespace bamort {

struct ParallelLoadOptions {
  int workers = 2;
  size_t chunk_bytes = 8u << 20;  // SQL text per chunk (one transaction)
  size_t queued_chunks = 4;       // chunks waiting at most (memory: about (this + workers) x chunk_bytes)
};

struct ParallelLoadResult {
  uint64_t sql_bytes = 0;
  uint64_t chunks = 0;
  uint64_t tables_with_data = 0;
  uint64_t deferred_statements = 0;  // triggers and events run after the data
  // Where the time went: reading, DDL and data until the last chunk committed; the
  // deferred statements after it; and how long the reader waited for room in the queue
  // (the load connections, i.e. the server, were the bottleneck meanwhile).
  int64_t data_ms = 0;
  int64_t deferred_ms = 0;
  int64_t reader_waited_ms = 0;
};

// Loads dump_path into database (which must exist) on the server of config.
// progress(sql_bytes) is called every few seconds from the calling thread.
Status ParallelLoadSqlDump(const DbConfig& config, const std::string& database, const std::string& dump_path,
                           const ParallelLoadOptions& options,
                           const std::function<void(uint64_t sql_bytes)>& progress, ParallelLoadResult* result);

}  // namespace bamort
