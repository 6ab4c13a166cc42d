// What validate checks in the data beyond the foreign keys of the schema: references
// Bamort keeps without a foreign key (game_system_id, the cost tables, shares), and the
// master-data tables that a usable installation cannot do without.
#pragma once

#include <string>
#include <vector>

namespace bamort {

struct SoftReference {
  std::string table;
  std::string column;
  std::string ref_table;
  std::string ref_column;
};

struct MasterDataTable {
  std::string table;
  // A required table that is empty fails validation; an optional one only warns
  // (legacy databases never had class points or misc lookups, for example).
  bool required;
};

const std::vector<SoftReference>& SoftReferences();
const std::vector<MasterDataTable>& MasterDataTables();

}  // namespace bamort
