// What a master-data import did (or, in a dry run, would do): per entity the counts of
// inserted, updated, unchanged and pruned rows and a few changed fields (entity, natural
// key, field, old -> new), plus the verdicts of the guards (import_guards.h) and the wall
// time per phase. ImportMasterData (importer.h) fills it; ToJson() is the report's
// `details` (docs/MASTERDATA.md, "Report"). Plain values; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Poco/JSON/Object.h>

namespace bamort {

// One changed column of a matched row: the table's value and the file's.
struct FieldChange {
  std::string key;    // the record's natural key as the file names it, e.g. "Klettern / midgard"
  std::string field;  // column, e.g. "initialwert"
  std::string old_value;
  std::string new_value;
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
  // A few of the changed fields (at most kMaxChangesShown), in the order of the rows (by id).
  std::vector<FieldChange> changes;

  static constexpr size_t kMaxChangesShown = 5;
  // Rows of the table before the import.
  uint64_t rows_before() const { return updated + unchanged + only_in_database; }
};

// An entity whose updates and deletions exceed the allowed share of its table.
struct ChangeShareExceeded {
  std::string entity;
  std::string table;
  uint64_t rows = 0;  // rows of the table before the import
  uint64_t would_update = 0;
  uint64_t would_delete = 0;
  std::string Describe() const;  // "skills (gsm_skills) would update 49 of 66 rows (74 %)"
};

struct ChangeGuardReport {
  bool checked = false;
  int max_change_percent = 0;
  uint64_t min_rows = 0;
  bool allowed = false;  // --allow-large-changes
  std::vector<ChangeShareExceeded> exceeded;
};

struct ImportResult {
  std::string source;         // what was read
  std::string source_kind;    // "package", "directory", "document"
  std::string source_format;  // "1.0" or "2.0"
  std::string game_system;    // the game system code the records were assigned to (e.g. "M5")
  std::string sample;         // the sample marker of the source ("" = not the sample set)
  bool dry_run = false;
  bool committed = false;
  std::vector<EntityImportCounts> entities;  // in import order
  std::vector<std::string> transform_log;    // one line per transformer step (1.0 -> 2.0)
  std::vector<std::string> warnings;
  ChangeGuardReport change_guard;
  // Wall time per phase in milliseconds ("read", "prepare" (waiting for the preparing
  // thread), "resolve", "match", "apply", "prune", "commit"), summed over the entities:
  // where an import spends its time.
  std::vector<std::pair<std::string, uint64_t>> timing_ms;

  uint64_t TotalInFile() const;
  Poco::JSON::Object::Ptr ToJson() const;
};

// Adds the wall time since the last Lap() to a phase of ImportResult::timing_ms.
class PhaseClock {
 public:
  explicit PhaseClock(ImportResult* result) : result_(result), last_(std::chrono::steady_clock::now()) {}
  void Lap(const std::string& phase);

 private:
  ImportResult* result_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace bamort
