// EntityImporter: imports the entities of one master-data document, in dependency order
// (ImportOrder), into the transaction its caller opened on conn. Per entity: prepare (the
// records as normalised text and their collation keys, on a second thread with its own
// connection), resolve (parent ids and references by natural key), match (the table's rows
// stream once in id order, each taking the next record of its key), apply (UPDATE of the
// changed rows, multi-row INSERT of the new ones) and, with prune, delete the rows only in
// the database at the end in reverse order. Only DML and temporary tables: the caller's
// ROLLBACK undoes all of it. ImportMasterData (importer.h) owns the transaction, the lock
// and the guards; docs/MASTERDATA.md, "Import", has the reasons.
// One thread drives it; the preparing thread it starts is joined before Run returns.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "db/collation_keys.h"
#include "db/connection.h"
#include "masterdata/document.h"
#include "masterdata/import_entity.h"
#include "masterdata/import_result.h"

namespace bamort::masterdata {

// The rows of an entity's table that a reference can name, by the collation keys of
// the reference's match columns: the smallest id where a name is ambiguous (and its
// first match column, for the copy columns of link tables).
struct TargetRows {
  std::unordered_map<std::string, std::pair<uint64_t, Value>> by_key;
};

class PreparedQueue;

class EntityImporter {
 public:
  // gsid: the id of the document's game system in game_systems, as text.
  EntityImporter(Connection* conn, bool prune, std::string gsid);

  // Frees doc's arrays once every entity that reads them is prepared: the memory of
  // the parsed records is reused for the texts of the next ones.
  Status Run(MasterDataDocument* doc, const SourceInfo& info, ImportResult* result);
  void DropTemporary();
  const std::vector<std::unique_ptr<EntityState>>& entities() const { return entities_; }

 private:
  // Reads the records of e into text and asks for their collation keys; runs on the
  // preparing thread (its own connection and keys), touching nothing but e.
  static Status Prepare(const MasterDataDocument& doc, CollationKeys* keys, EntityState* e);
  static Status AddRecord(const JsonValue& rec, size_t index, long child, EntityState* e);
  Status Targets(const ReferenceSpec& r, const TargetRows** out);
  Status Resolve(EntityState* e);
  void BuildKeys(EntityState* e);
  // SELECT list of the key parts over the table alias r (collation keys for strings).
  std::string KeySelect(const EntitySpec& spec) const;
  // The key of a table row from the KeySelect columns at row[first...] (a NULL part as
  // the export writes it); false when a numeric part is no number.
  bool RowKey(const EntityState& e, const Row& row, size_t first, std::string* key) const;
  // Streams the table's rows in id order (id, the key parts, then `columns`) and hands
  // each to on_row with the record it matches: the next of its key not yet taken, or
  // kNoRecord.
  Status NumberRows(EntityState* e, const std::string& columns,
                    const std::function<void(uint64_t id, uint32_t record, const Row& row)>& on_row);
  Status Match(EntityState* e);
  Status Rematch(EntityState* e);
  bool Same(const EntityState& e, size_t record, const Row& row, size_t first) const;
  Status Apply(EntityState* e, bool rematch);
  Status Prune(EntityState* e);
  // Imports the entities in order as the queue says they are prepared (or prepares
  // each itself with prepare_inline, when there is no second connection).
  Status RunPrepared(PreparedQueue* prepared, PhaseClock* clock,
                     const std::function<Status(size_t)>& prepare_inline);

  Connection* conn_;
  bool prune_;
  std::string gsid_;
  uint64_t gsid_number_ = 0;
  CollationKeys collation_;
  std::vector<std::unique_ptr<EntityState>> entities_;
  std::map<std::string, EntityState*> by_name_;
  std::map<std::string, TargetRows> targets_;  // by target table and match columns
  std::vector<std::string> temporary_;
};

}  // namespace bamort::masterdata
