// VersionStore: the migration engine's driver for MariaDB. It reads and writes the
// version tables, schema_version and migration_history, in the shape GORM made them
// (Bamort's own databases already carry them), plus our bookkeeping columns in
// migration_history (checksum, statements_total/_done, failed_statement, error_errno).
//
// State rules:
// - no migration_history table: nothing applied (legacy or empty database);
// - successful migration_history rows: the highest number is the applied migration;
// - no successful row but schema_version rows (GORM-made, e.g. '0.4.0' #1, or main's
//   '0.1.37' #1): the highest schema_version.migration_number is the baseline, and the
//   version is taken from the migrations, not from that text;
// - a row with success = 0 is dirty: a migration started and did not finish (failed,
//   or the process was killed). error_message NULL means it never reported an error.
// The dirty flag is written before a migration's first statement and cleared after its
// last one, so a crash always leaves an honest state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "db/operation_mark.h"
#include "migrate/migration.h"

namespace bamort {

// Upstream Bamort's own marker row: its admin-only setupcheck inserts
// ('0.1.37', migration 1, backend '0.1.37', 'Initial schema version') whenever no row
// with that version exists. It marks "upstream's tracking was set up", not the version
// of the database; UpstreamMarkerCondition recognises it wherever schema_version is read.
inline constexpr const char* kUpstreamMarkerVersion = "0.1.37";
inline constexpr const char* kUpstreamMarkerDescription = "Initial schema version";

// The SQL condition that selects marker rows of schema_version.
std::string UpstreamMarkerCondition();
// The same test on a row already read (the in-memory driver keeps rows, not SQL).
bool IsUpstreamMarkerRow(const std::string& version, int64_t migration_number, const std::string& description);

// A row of schema_version as bamort-validate compares it with migration_history.
struct SchemaVersionRow {
  std::string version;
  int64_t migration_number = 0;
  int64_t id = 0;
};

struct MigrationRecord {
  int64_t number = 0;
  std::string version;
  std::string description;
  std::optional<std::string> checksum;
  int64_t applied_at = 0;  // Unix seconds
  std::string applied_by;
  bool success = false;
  std::optional<int64_t> statements_total;
  std::optional<int64_t> statements_done;
  std::optional<std::string> failed_statement;
  std::optional<int64_t> error_errno;
  std::optional<std::string> error_message;
};

struct DbVersionState {
  bool has_tracking = false;   // migration_history exists
  bool gorm_baseline = false;  // the number comes from GORM's schema_version rows only
  int64_t migration_number = 0;
  std::optional<std::string> version;  // as recorded in the database
  std::optional<MigrationRecord> dirty;
  std::vector<MigrationRecord> applied;  // successful rows, by number
  // The newest schema_version row (by id) that is not upstream's setupcheck marker, and
  // the id of the newest marker row written after it (upstream's systeminfo then reports
  // the marker's version). Read whenever the version tables exist.
  std::optional<SchemaVersionRow> latest_version_row;
  std::optional<int64_t> marker_after_latest;
  std::string layout;  // empty, legacy, v0.1.37, main, unknown: what the tables look like
  int table_count = 0;  // without the operation mark
  // A restore or init started and has not finished (db/operation_mark.h). While it is
  // set the version tables may be half loaded: when they cannot be read, the rest of the
  // state stays empty and unreadable_because says why.
  std::optional<OperationMark> operation;
  std::string unreadable_because;
};

class VersionStore {
 public:
  explicit VersionStore(Connection* conn) : conn_(conn) {}

  Status Read(DbVersionState* out);
  bool TrackingTablesExist();
  // True when migration_history has our bookkeeping columns. GORM-made tables (v0.1.37,
  // main) lack them until migration 1's statements run once more.
  bool HasBookkeeping();

  // Marks a migration as running (success = 0) before its first statement.
  // direction: "up" or "down" (a rollback reuses the applied row).
  Status RecordStarted(const Migration& m, const std::string& direction, const std::string& applied_by);
  Status RecordProgress(int64_t number, size_t statements_done);
  Status RecordFailure(int64_t number, size_t statements_done, const SqlStatement& statement, const Status& error);
  Status RecordApplied(const Migration& m, int64_t execution_ms, const std::string& applied_by);
  // After a down: removes the migration's row and records the version now in force
  // (previous is null when the database is back to no migration at all).
  Status RecordRolledBack(const Migration& m, const Migration* previous);
  // Marks an applied migration as failed (success = 0) with error's message: the
  // schema check after a rollback found the database not at its version.
  Status MarkFailed(int64_t number, const Status& error);
  // Clears a dirty record's failure: the migration counts as applied (repair).
  Status MarkAppliedAgain(int64_t number);
  // Writes upstream's setupcheck marker row unless one exists (see kUpstreamMarkerVersion).
  Status EnsureUpstreamMarker();
  // True when a marker row is newer (by id) than the newest row this tool wrote: upstream's
  // systeminfo then reports the marker's version.
  Status MarkerIsLatest(bool* out);
  // Appends the version row of the last applied migration again, so it is the latest.
  Status RecordCurrentVersionAgain(const Migration& m);
  // Drops the start record of a migration whose first statement failed (nothing was
  // committed), or the dirty record the operator repaired.
  Status ForgetRecord(int64_t number);

 private:
  Status ReadState(DbVersionState* out);
  Status AppendVersionRow(const std::string& version, int64_t number, const std::string& description,
                          const std::string* checksum);
  Status ReadRecords(bool with_bookkeeping, std::vector<MigrationRecord>* out);
  Status ReadLatestVersionRow(DbVersionState* state);
  Status DetectLayout(DbVersionState* state);
  Connection* conn_;
};

}  // namespace bamort
