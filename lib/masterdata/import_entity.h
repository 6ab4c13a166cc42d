// EntityState: one entity of a master-data import as the import works on it: its records
// as normalised text (record_values.h) and their collation keys, then their resolved
// references, the row each record matched, and what applying them changes. The
// EntityImporter (entity_importer.h) fills it phase by phase; the functions below read it
// to name a record (its natural key) and to show what an update changes.
// One entity is touched by one thread at a time (the preparing thread, then the importing one).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "db/connection.h"
#include "masterdata/entities.h"
#include "masterdata/import_result.h"

namespace bamort::masterdata {

// One entity of the import: its records as normalised text, then their resolved
// references, their rows in the table, and what applying them changes.
struct EntityState {
  const EntitySpec* spec = nullptr;
  std::string file;
  bool carried = false;
  size_t width = 0;                  // texts per record: the fields, then every reference's key values
  std::vector<size_t> ref_offset;    // index of reference j's first key value within a record
  std::vector<std::string> texts;    // records x width
  // The collation keys of the texts that keys and references compare (string key
  // fields and reference values): records x collated_columns.size().
  std::vector<size_t> collated_columns;
  std::vector<size_t> collated_slot;  // column -> index into collated_columns
  std::vector<std::string> collated;
  // Where record i came from, to name it in messages: (record index, index in the
  // parent's array or -1).
  std::vector<std::pair<uint32_t, int32_t>> origin;
  std::vector<uint64_t> pid;         // the parent's id (embedded entities)
  std::vector<uint64_t> ref_ids;     // records x references; 0 = an optional reference left empty
  std::vector<Value> ref_copies;     // records x references (copy columns only)
  std::vector<FieldType> key_types;  // per key part (@parent and references are ids: kInt)
  std::unordered_map<std::string, uint32_t> first_of_key;  // key -> first record with it
  std::vector<uint32_t> next_of_key;                       // record -> next record with its key
  std::vector<uint64_t> ids;         // the row of each record; 0 = to insert
  std::vector<uint8_t> changed;
  std::unordered_set<uint64_t> doomed;  // ids only in the database, with --prune
  EntityImportCounts counts;

  size_t size() const { return origin.size(); }
  const std::string& text(size_t record, size_t column) const { return texts[record * width + column]; }
  const std::string& collation_key(size_t record, size_t column) const {
    return collated[record * collated_columns.size() + collated_slot[column]];
  }
  std::string Describe(size_t record) const {
    auto [index, child] = origin[record];
    std::string d = file + " record " + std::to_string(index + 1);
    if (child >= 0) d += " " + spec->parent_field + "[" + std::to_string(child) + "]";
    return d;
  }
};

// The columns an import writes, in this order: the fields, per reference its id column
// (and its copy column), the parent column, game_system_id.
std::vector<std::string> ColumnsOf(const EntitySpec& spec);
// Record i's values for ColumnsOf(spec); gsid is the game system's id as text.
void RecordValues(const EntityState& e, size_t i, const std::string& gsid, std::vector<Value>* out);
// Record i's natural key as the file names it, parts joined by " / " ("Klettern / midgard");
// an embedded record starts with its parent's key (parent must then be given).
std::string NaturalKeyText(const EntityState& e, size_t i, const EntityState* parent);
// Appends to out, up to `limit` entries in all, the columns in which the table's row
// (ColumnsOf(spec) from row[first] on) differs from record i, compared as the match does.
void CollectChanges(const EntityState& e, size_t i, const Row& row, size_t first, const std::string& gsid,
                    const std::string& key, size_t limit, std::vector<FieldChange>* out);

}  // namespace bamort::masterdata
