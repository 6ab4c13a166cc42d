// OperationMark: the "being restored" / "being initialised" mark of a database. A restore
// or an init writes it into the target database before its first destructive statement
// and drops it only at the very end of its success (restore: after the comparison with
// the manifest; init: after the master data and the admin user). A job killed or failed in
// between therefore always leaves the mark, and every tool that judges the database
// (version_status, the migrator, the validator, health) calls it incomplete, never
// compatible, until the same operation is run again to its end.
//
// The mark is one table, kOperationMarkTable; its newest row says which operation (a job
// that started over adds one). It lives in lib/db
// (not lib/migrate) because the schema comparison, the backup's snapshots and export and
// the restore's emptying all have to skip it, and they sit below lib/migrate. Everything
// that lists a database's tables asks IsOperationMarkTable() and leaves it out, so the
// mark is invisible to all but the judgement.
//
// Not thread-safe per Connection (as Connection itself).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"

namespace bamort {

inline constexpr const char* kOperationMarkTable = "bamort_operation_in_progress";

// The SQL condition on information_schema.TABLES.TABLE_NAME that leaves the mark out,
// e.g. "TABLE_NAME <> 'bamort_operation_in_progress'".
std::string NotOperationMarkCondition(const std::string& column = "TABLE_NAME");
bool IsOperationMarkTable(const std::string& table);

struct OperationMark {
  std::string operation;   // "restore" or "init"
  std::string detail;      // restore: the set folder; init: the admin user
  int64_t started_at = 0;  // Unix seconds
  std::string started_by;  // "host pid job"
  std::string run_id;

  // "restore of /backups/bamort_20261130T101500Z started 2026-11-30T10:15:02Z by host 12 restore"
  std::string Describe() const;
  // What the operator runs to get out: "run bamort-restore --backup <set> again ...".
  std::string WayOut() const;
};

// A mark started now by this process: started_by is "<host> pid <pid>".
OperationMark NewOperationMark(const std::string& operation, const std::string& detail, const std::string& run_id = "");

// Creates the mark table in database (when missing) and adds this operation's row (the
// newest row counts). Needs CREATE and INSERT only. database is named explicitly, since a
// restore's connection may have none selected.
Status BeginOperationMark(Connection* conn, const std::string& database, const OperationMark& mark);
// Drops the mark table: the operation has finished successfully.
Status EndOperationMark(Connection* conn, const std::string& database);
// Drops every table, view, routine and event of database except the mark: how a restore
// empties its target, and how an init that finds its own interrupted work starts over.
// dropped receives the table and view names.
Status DropAllButOperationMark(Connection* conn, const std::string& database, std::vector<std::string>* dropped);
// nullopt when the database carries no mark (no table). A table without its row (a
// Begin killed between its two statements) is a mark with an empty operation.
// database "" reads the connection's current database.
Status ReadOperationMark(Connection* conn, const std::string& database, std::optional<OperationMark>* out);

}  // namespace bamort
