#include "db/statement_runner.h"

namespace bamort {

Status RunStatements(Connection* conn, const std::vector<SqlStatement>& statements, const std::string& source_name,
                     RunProgress* progress, const std::function<Status(size_t index)>& after_each,
                     const LockWaitOptions* lock_wait) {
  *progress = RunProgress();
  for (size_t i = 0; i < statements.size(); ++i) {
    Status s = lock_wait ? ExecuteBoundedWait(conn, statements[i].text, *lock_wait) : conn->Execute(statements[i].text);
    if (!s.ok()) {
      progress->failed_index = static_cast<int>(i);
      return s.WithContext(source_name + ": statement " + std::to_string(i + 1) + " of " +
                           std::to_string(statements.size()) + " (line " + std::to_string(statements[i].line) + ")");
    }
    progress->committed = i + 1;
    if (after_each) {
      s = after_each(i);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace bamort
