// DataLoss: which statements of a rollback plan would drop tables or columns that hold
// data in this database. A rollback that loses data needs a fresh verified backup, as a
// migrate does; a rollback that only drops empty objects or indexes does not.
//
// The down parts are read as text: DROP TABLE [IF EXISTS] a, b and ALTER TABLE t ...
// DROP COLUMN [IF EXISTS] c. Only objects that exist and hold rows (for a column: rows
// where it is not NULL) count. A statement written any other way is not seen, so the
// check errs on the side of a missing warning only for SQL our migrations do not use.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "migrate/migration.h"

namespace bamort {

struct DataLoss {
  int64_t migration = 0;
  std::string table;
  std::string column;  // empty: the whole table
  int64_t rows = 0;
  std::string Describe() const;  // "migration 7 drops char_chars.game_system_id (3 rows hold a value)"
};

// The objects each down statement of plan names (table, column), without the database.
struct DroppedObject {
  int64_t migration = 0;
  std::string table;
  std::string column;
};
std::vector<DroppedObject> DroppedObjects(const std::vector<const Migration*>& plan);

Status FindDataLoss(Connection* conn, const std::vector<const Migration*>& plan, std::vector<DataLoss>* out);

}  // namespace bamort
