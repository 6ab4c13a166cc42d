// Layout preflight: what the migration chain needs from a database before it changes
// anything. Real Bamort databases differ in small ways from the layouts the chain knows
// (a legacy users table without role, an index or FK some have and others lack). The
// chain adds whatever is missing (every column, index and FK of the 0.4.0 layout, IF NOT
// EXISTS), so most such variants converge to exactly the expected schema. A few cannot:
//
//   * a column whose values the chain cannot make up: a key column (part of a unique
//     index or a foreign key of the old layout: added back, every row would hold the same
//     value, or none would point at its parent), a column a data conversion reads
//     (migration 0010 turns improvement costs into skill_improvement_cost2 and drops the
//     old table), or a column of the version tables the engine reads;
//   * a unique index the chain must add over values that are not unique;
//   * a foreign key the chain must add while some rows point at nothing.
//
// CheckLayoutPreflight finds those before the first migration runs and names each one,
// so migrate can refuse (exit 3) with the database untouched instead of failing halfway
// (exit 4). The required columns are data, in one place (LayoutRequirements); the unique
// and FK checks are derived from the expected 0.4.0 schema. docs/MIGRATIONS.md, "Layout
// variants", lists what converges and what is refused; tests/integration/
// layout_variants_test.cc proves it on every variant of the fixtures.
// Reads only (information_schema and SELECTs). Not thread-safe (one Connection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "migrate/version_store.h"

namespace bamort {

// A column the chain needs from a database of one layout.
struct LayoutRequirement {
  const char* layout;  // DbVersionState::layout: "legacy" or "v0.1.37"
  const char* table;   // as that layout names it
  const char* column;
  int64_t needed_by;   // the migration that needs it: checked while the database is below it
  const char* why;     // for the message: "unique key uni_users_username", ...
};
const std::vector<LayoutRequirement>& LayoutRequirements();

// The tables migration 0002 renames (legacy name -> 0.4.0 name).
struct TableRename {
  const char* legacy;
  const char* current;
};
const std::vector<TableRename>& LegacyTableRenames();

// Appends one line per difference that stops the chain ("column users.username is
// missing: ...") to *problems. Returns kPrecondition naming them all when there is any,
// a database error when a check could not be made, Ok otherwise. Nothing is changed.
// Layouts other than legacy, v0.1.37 and main, and databases at migration 5 or later
// (the 0.4.0 layout is complete), are checked only for the columns later migrations read.
Status CheckLayoutPreflight(Connection* conn, const DbVersionState& state, std::vector<std::string>* problems);

}  // namespace bamort
