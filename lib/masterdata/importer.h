// Master-data import, the whole workflow: reads a deployment package (.tar.gz), a
// format-2.0 directory or document, or the upstream's format-1.0 directory (transformed to
// 2.0), takes the deployment lock (unless the caller holds it), and in ONE transaction
// checks the guards and upserts every entity by its natural key in dependency order
// (entity_importer.h). Only DML and temporary tables touch the database inside that
// transaction, so a failure, a refusal or --dry-run (which runs the very same statements
// and rolls back) leaves every table as it was; the dry run's counts and changed fields
// are therefore exactly what the real import then does.
//
// Guards (import_guards.h): the shipped sample set is refused on a database that already
// holds master data unless sample_intended; updates and deletions above a share of a table
// are refused unless allowed. Both refusals are kPrecondition (exit 3).
//
// docs/MASTERDATA.md describes the formats, the natural keys, the guards and every decision.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "db/connection.h"
#include "masterdata/import_guards.h"
#include "masterdata/import_result.h"

namespace bamort {

struct ImportOptions {
  std::string source;      // package, 2.0 directory or document, or 1.0 directory
  bool dry_run = false;    // compute the same counts and changes, then roll back
  bool prune = false;      // delete rows that exist only in the database
  bool sample_intended = false;  // --overwrite-with-sample-data
  masterdata::ChangeGuardOptions change_guard;
  // Set: take the deployment lock, waiting this many seconds. Unset: the caller holds it
  // (bamort-init, inside its own locked workflow).
  std::optional<int> lock_timeout_seconds;
};

// Bad input (unreadable or malformed file, bad checksum, unsafe archive entry, unknown
// export_version, unresolved reference or a value of the wrong type: file, record and
// field named) is kBadInput with nothing written; a guard's refusal or the lock not had is
// kPrecondition with nothing written; a database error is kFailed after a rollback.
// result is filled as far as the import got (counts also on a guard's refusal).
Status ImportMasterData(Connection* conn, const ImportOptions& options, ImportResult* result);

// --check-only: reads, transforms and checks options.source exactly as ImportMasterData
// does before its first statement (record_checks.h), without a database. result gets the
// source's kind, format, transform log, warnings and the records per entity (in_file).
Status CheckMasterDataSource(const ImportOptions& options, ImportResult* result);

}  // namespace bamort
