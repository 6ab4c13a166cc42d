// RunStatements: executes a list of statements one by one on one connection and says
// exactly how far it got. MariaDB commits DDL implicitly, so "how many statements are
// committed" is the only honest answer after a failure; there is no rollback to hide
// behind.
#pragma once

#include <functional>
#include <vector>

#include "common/status.h"
#include "db/connection.h"
#include "db/lock_wait.h"
#include "db/sql_script.h"

namespace bamort {

struct RunProgress {
  size_t committed = 0;    // statements that succeeded, in order
  int failed_index = -1;   // 0-based index of the statement that failed, or -1
};

// after_each(index) runs after statement index succeeded (progress output, bookkeeping);
// a failure there stops the run too. The returned status names the statement
// ("statement 3 of 5 (line 12): ...") and carries the server's errno. With lock_wait each
// statement waits a bounded time for its locks and is retried (lock_wait.h); the caller
// sets the session's lock waits (SetSessionLockWait) first.
Status RunStatements(Connection* conn, const std::vector<SqlStatement>& statements, const std::string& source_name,
                     RunProgress* progress, const std::function<Status(size_t index)>& after_each = nullptr,
                     const LockWaitOptions* lock_wait = nullptr);

}  // namespace bamort
