// Rehearsal: bamort-migrate --dry-run. The real migration chain runs on a full copy of
// this database in a throwaway private MariaDB (server/private_server.h), so the dry run
// fails where the real run would fail (a migration that aborts on this data, a schema
// check that finds differences) with the same exit code and message, and prints the
// statements that actually ran on this data, read from the private server's general log
// (for PREPARE/EXECUTE the statement text MariaDB executed, not the guard).
//
// Production is only read: a cheap dry run of the Migrator (the plan, dirty record,
// layout preflight), then mariadb-dump --single-transaction piped into the private
// server's mariadb client (docs/MIGRATIONS.md, "The dry run rehearses", says why a full
// copy and what it costs). Without mariadbd / mariadb-install-db the old dry run is all
// there is: the generic plan goes to plan_out and the result says the dry run was NOT
// rehearsed (method "none", reason). The private server is stopped and removed on every
// path. Not thread-safe; the owner must be the job's main thread (private_server.h).
//
// after_chain: a further step on the migrated copy (bamort-migrate --rehearse-import runs
// the master-data import there, filled in by lib/app so lib/migrate does not depend on
// lib/masterdata). Its details go to details.rehearsal.<after_chain_name>; its failure is
// the dry run's failure, with its own exit code and message.
#pragma once

#include <functional>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "server/private_server.h"
#include "common/status.h"
#include "db/connection.h"
#include "migrate/migration.h"
#include "migrate/migrator.h"

namespace bamort {

struct RehearsalOptions {
  MigrateOptions migrate;             // to_version, lock timeout, applied_by; dry_run is ignored
  PrivateServerOptions server;
  std::ostream* plan_out = nullptr;   // the generic plan, when no private server is possible
  // Runs only after the chain succeeded on the copy, on a connection to it; details may be
  // set also on failure. The copy is thrown away afterwards.
  std::function<Status(Connection* copy, Poco::JSON::Object::Ptr* details)> after_chain;
  std::string after_chain_name = "after_chain";  // its key in details.rehearsal, e.g. "import"
};

// One statement that ran on the copy, in order: DDL or DML of a migration, a session
// setting, or a SET @x that a later printed statement reads (so the list replays).
struct RehearsedStatement {
  int64_t migration_number = 0;
  std::string text;
  bool prepared = false;  // ran through PREPARE/EXECUTE; text is what MariaDB executed
};

struct RehearsalResult {
  std::string method;          // "private-server", or "none" when not rehearsed
  std::string reason;          // method "none": why not
  std::string server_version;  // of the private server
  int64_t start_ms = 0;        // starting the private server
  int64_t copy_ms = 0;         // mariadb-dump | mariadb
  uint64_t copy_bytes = 0;
  int64_t run_ms = 0;          // the migration chain on the copy
  MigrateResult planned;       // production's own dry run: versions before, the plan
  MigrateResult rehearsed;     // the chain's result on the copy (steps, dirty, schema checks)
  std::vector<RehearsedStatement> statements;
  // MariaDB 10.11 writes the "Execute" row of a prepared statement before running it, so
  // a failing one is the last statement printed. A server that logs only successful
  // executions leaves the failing text in its "Prepare" row: kept here.
  std::optional<std::string> failed_prepared;
  bool failed = false;  // the chain failed on the copy; the last statement is where it stopped
  std::string after_chain_name;             // set when after_chain ran
  Poco::JSON::Object::Ptr after_chain_details;
  int64_t after_chain_ms = 0;
  bool after_chain_failed = false;  // the chain succeeded, after_chain failed
  bool rehearsed_ok() const { return method == "private-server"; }
  // details.rehearsal of the report (docs/REPORTS.md); outcome is the dry run's status.
  Poco::JSON::Object::Ptr ToJson(const Status& outcome) const;
};

// production: the job's connection (its config names the database and the user).
// The returned status is the dry run's outcome: the rehearsal's own status (exit code
// and message of the real failure, prefixed "rehearsal on a private copy"), a refusal
// before any rehearsal (dirty, unknown layout), or a failure to make the copy (exit 1).
Status RehearseMigrate(Connection* production, const std::vector<Migration>& migrations,
                       const RehearsalOptions& options, RehearsalResult* result);

// The statements that ran, grouped by migration, as SQL text with a header line.
void PrintRehearsal(const RehearsalResult& result, const std::vector<Migration>& migrations, std::ostream& out);

}  // namespace bamort
