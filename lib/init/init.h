// Init: the whole bamort-init workflow (a new installation on an empty database), the
// engine lib/app's RunInit maps flags onto. It checks the admin user, chooses and parses
// the master data (masterdata_choice.h), refuses a database that holds any table, takes
// the deployment lock, writes the operation mark (db/operation_mark.h), applies every
// migration, imports the master data, creates the admin user and drops the mark.
//
// Order matters: everything that can be checked without changing the database (the
// admin user, the master-data source, that the database is empty, once before and once
// under the lock) is checked before the mark is written, so every refusal leaves the
// database untouched (exit 2 or 3). After the mark every failure is kDirty (exit 4) and
// leaves the mark: the next init finds it, takes the database as its own unfinished work,
// drops what it holds and starts over (InitResult::started_over).
//
// The deployment lock is taken once, here, for the whole workflow, on the connection the
// migrations and the import run on; the import is told the lock is held.
// InitResult is filled step by step, so a failed init still tells how far it got.
// Not thread-safe; opens its own connection from InitDeps::config.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/db_config.h"
#include "init/masterdata_choice.h"
#include "masterdata/import_result.h"
#include "migrate/migration.h"

namespace bamort {

struct InitAdmin {
  std::string name = "admin";
  std::string email;  // "" = none (NULL)
  std::string role = "admin";
  std::string password;  // registered as a secret by whoever read it
};

struct InitOptions {
  InitAdmin admin;
  bool no_masterdata = false;
  std::optional<std::string> masterdata;  // nullopt: the sample set shipped with the tool
  std::vector<Migration> migrations;      // every one is applied
  int lock_timeout_seconds = 60;
  bool dry_run = false;            // check everything and plan, change nothing
  std::string applied_by;          // migration_history.applied_by and the mark's started_by
  std::string run_id;              // the mark's run id
};

struct InitDeps {
  DbConfig config;
  // Warnings for the report as they happen (may be empty = not wanted).
  std::function<void(const std::string&)> warn;
};

struct InitResult {
  // 1. Checks before any change.
  bool masterdata_chosen = false;
  MasterDataChoice masterdata_source;
  std::string target;          // the database, as Connection describes it; "" before connecting
  bool started_over = false;   // an unfinished init's mark was found: its work is dropped first
  bool lock_taken = false;     // under the lock the database was checked again
  // 2. Schema (only when migrations ran or were attempted).
  bool migrations_attempted = false;
  uint64_t migrations_applied = 0;
  std::optional<std::string> version_after;
  int64_t migration_number_after = 0;
  std::vector<std::string> dropped;         // what an unfinished init had left
  bool schema_listed = false;
  std::vector<std::string> tables_created;  // after the migrations
  // 3. Master data (import_attempted false with no_masterdata or when it never got there).
  bool import_attempted = false;
  ImportResult imported;
  // 4. The admin user; then the mark is dropped and the lock released.
  bool admin_created = false;
  bool finished = false;
};

// Runs the init (or, with dry_run, everything up to the lock and the plan in *result).
// kBadInput: bad admin user or master data; kPrecondition: the database is not empty or
// the lock is held; kDirty after the mark was written.
Status RunInitialisation(const InitOptions& options, const InitDeps& deps, InitResult* result);

}  // namespace bamort
