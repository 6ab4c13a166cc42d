// The SQL part of a backup set: mariadb-dump into a gzip file, and the way back, a gzip
// dump loaded over two connections (parallel_load.h). mariadb-dump gets the password only
// through the defaults file of a ClientDefaults (never argv, never the environment).
//
// The dump is consistent through --single-transaction (one REPEATABLE READ snapshot,
// no table locks) and carries routines, events and triggers; --add-locks wraps each
// table's data in LOCK TABLES / UNLOCK TABLES (which dump_stream.h relies on); binary columns are written
// as hex (--hex-blob); TIMESTAMP values are dumped in UTC and restored as such
// (--tz-utc, the default), so CHECKSUM TABLE is equal after a restore. The dump names
// no database (no CREATE DATABASE / USE), so it can be loaded into any database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "server/client_process.h"
#include "backup/gzip_file.h"
#include "common/status.h"
#include "config/db_config.h"

namespace bamort {

struct DumpResult {
  uint64_t sql_bytes = 0;
  uint64_t gzip_bytes = 0;
  std::string sha256;
};

// Dumps config.name into out_path (created 0600, must not exist). progress(bytes) is
// called every few seconds; tap (if set) gets every piece of the SQL text in order, as
// it is compressed (the backup reads the rows out of it, dump_stream.h); a tap error
// stops the dump.
Status DumpSqlToGzip(const DbConfig& config, const std::string& out_path,
                     const std::function<void(uint64_t sql_bytes)>& progress,
                     const std::function<Status(std::string_view sql)>& tap, DumpResult* result);

// Loads a gzip SQL dump into database (which must exist): parsed once and loaded over two
// connections at a time (parallel_load.h).
Status LoadSqlDump(const DbConfig& config, const std::string& database, const std::string& dump_path,
                   const std::function<void(uint64_t sql_bytes)>& progress);

}  // namespace bamort
