// Validation: the whole bamort-validate workflow, the engine lib/app's RunValidate maps
// flags onto. It validates (validator.h) and, with repair_additive, creates what the
// expected schema has and the database lacks (schema/additive_repair.h: tables, columns,
// indexes; never drops or changes anything) under the deployment lock, then validates
// again. The dry run plans the repair statements and changes nothing.
// ValidationRun is filled step by step, so a failed repair still tells how far it got.
// Not thread-safe (one Connection).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "db/connection.h"
#include "migrate/migration.h"
#include "validate/validator.h"

namespace bamort {

struct ValidationOptions {
  bool repair_additive = false;
  bool dry_run = false;           // with repair_additive: plan the statements only
  int lock_timeout_seconds = 60;  // the repair's wait for the deployment lock
};

struct ValidationRun {
  bool validated = false;          // the first validation finished
  ValidationResult result;         // the final validation (after the repair, when one ran)
  bool repair_planned = false;     // repair_additive was asked for and validation got that far
  std::vector<std::string> repair_statements;  // planned (dry run) or run
  bool repair_ran = false;         // statements were executed (not a dry run, not empty)
  size_t repair_committed = 0;     // statements committed, in order
  bool revalidated = false;        // before_repair holds the first validation
  ValidationResult before_repair;
};

// kPrecondition as ValidateDatabase, or when the lock is held; the repair's failure after
// its first committed statement is kDirty.
Status RunValidation(Connection* conn, const std::vector<Migration>& migrations, const ValidationOptions& options,
                     ValidationRun* run);

}  // namespace bamort
