// DumpConsistently: the SQL dump and JSON export of a backup set, and the proof that the
// manifest describes them (docs/BACKUP.md, "What a run does", steps 2-4).
//
// The server reads every table once, for mariadb-dump; the JSON export and the row counts
// are read out of the dump's own stream (dump_stream.h), so they hold exactly the dump's
// snapshot D. CHECKSUM TABLE is taken twice, both times beside the dump: in a snapshot A
// opened before mariadb-dump starts, and in a snapshot B opened once the dump's output
// shows its snapshot is open. A <= D <= B in time, so when A and B agree the table did not
// change between them and D holds what they say. With content_hashes, snapshot A also
// yields the per-table content hash that --verify compares (verify.h).
//
// The two snapshot readers run on threads owned by the call: they are joined on every
// path, including early returns. The caller holds the deployment lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backup/json_export.h"
#include "backup/sql_dump.h"
#include "backup/table_stats.h"
#include "common/status.h"
#include "config/db_config.h"
#include "db/connection.h"

namespace bamort {

struct ConsistentDumpOptions {
  DbConfig config;           // the source; config.name is dumped
  std::string dump_path;     // dump.sql.gz, created
  std::string export_path;   // export.jsonl.gz, created
  std::string created_at;    // RFC 3339, the export's header
  bool content_hashes = false;
  // Runs once the dump's snapshot is open, before snapshot B (tests: a write in between).
  std::function<void()> before_snapshot_b;
};

struct ConsistentDumpResult {
  DumpResult dump;
  JsonExportResult exported;
  TableStats tables;                  // rows of the dump; checksum (and content hash) of A
  std::vector<std::string> changed;   // A against B; not empty = the set cannot be trusted
  int64_t dump_ms = 0;                // dump and export
  int64_t checksums_ms = 0;           // snapshot A done, from the dump's start
  int64_t checksums_after_ms = 0;     // snapshot B done
};

// conn: the job's connection (reads the export's metadata). Ok with result->changed not
// empty means the files were written but do not match one state of the database.
Status DumpConsistently(Connection* conn, const ConsistentDumpOptions& options, ConsistentDumpResult* result);

}  // namespace bamort
