// Master-data import: reads a deployment package (.tar.gz), a format-2.0 directory or
// document, or the upstream's format-1.0 directory, transforms it to format 2.0, and
// upserts every entity by its natural key in dependency order, in ONE transaction.
//
// Names are matched the way MariaDB compares them (utf8mb4_unicode_ci: 'Hä' = 'Ha',
// 'Alltag ' = 'Alltag'), by keys the server computes: WEIGHT_STRING of every string a key
// or a reference compares, for the file's strings and the table's columns alike
// (db/collation_keys.h). C++ holds those keys in hash maps and only compares them, so it
// agrees with the UNIQUE indexes without knowing the collation. Per entity: the table's
// rows stream once in id order, each taking the next record of its key (the n-th record
// of a key is the n-th row of it), and changed = any column differs byte for byte. Only
// DML touches the real tables, in one transaction, so a failure (or --dry-run, which
// runs the same statements and rolls back) leaves the database as it was.
// A second thread with its own connection reads the next entities' records and asks for
// their keys while this one waits for the server's INSERTs. The caller holds the
// deployment lock (NamedLock); the importer does not take it.
//
// docs/MASTERDATA.md describes the formats, the natural keys and every decision.
#pragma once

#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct ImportOptions {
  bool dry_run = false;  // compute the same counts, then roll back
  bool prune = false;    // delete rows that exist only in the database
};

struct EntityImportCounts {
  std::string name;  // entity name, e.g. "skills"
  std::string table;
  uint64_t in_file = 0;
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t unchanged = 0;
  uint64_t only_in_database = 0;  // rows of the table the file does not carry
  uint64_t pruned = 0;            // of those, deleted (only with prune)
};

struct ImportResult {
  std::string source;         // what was read
  std::string source_kind;    // "package", "directory", "document"
  std::string source_format;  // "1.0" or "2.0"
  std::string game_system;    // the game system code the records were assigned to (e.g. "M5")
  bool dry_run = false;
  bool committed = false;
  std::vector<EntityImportCounts> entities;  // in import order
  std::vector<std::string> transform_log;    // one line per transformer step (1.0 -> 2.0)
  std::vector<std::string> warnings;
  // Wall time per phase in milliseconds ("read", "prepare" (waiting for the preparing
  // thread), "resolve", "match", "apply", "prune", "commit"), summed over the entities:
  // where an import spends its time.
  std::vector<std::pair<std::string, uint64_t>> timing_ms;

  uint64_t TotalInFile() const;
  Poco::JSON::Object::Ptr ToJson() const;
};

// source: a package (.tar.gz), a 2.0 directory or document, or a 1.0 directory.
// Bad input (unreadable or malformed file, bad checksum, unsafe archive entry, unknown
// export_version, unresolved reference: file, record and field named) is kBadInput with
// nothing written; a database error is kFailed after a rollback.
Status ImportMasterData(Connection* conn, const std::string& source, const ImportOptions& options,
                        ImportResult* result);

}  // namespace bamort
