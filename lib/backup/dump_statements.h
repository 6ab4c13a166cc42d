// DumpStatementSplitter: cuts the parts of a mariadb-dump file that are not table data
// (the header's SET statements, DROP/CREATE TABLE, views, trigger and routine blocks, the
// trailer) into single statements, the way the mariadb client does: it honours the
// client command "DELIMITER x" (trigger and routine bodies are written between
// "DELIMITER ;;" and "DELIMITER ;"), ends a statement at the delimiter outside quotes
// ('..', "..", `..`) and comments, drops -- # and /* */ comments and keeps MariaDB's
// executable /*! .. */ and /*M! .. */ comments as part of the statement.
//
// It is fed line by line (without the '\n'), so that the parallel loader
// (parallel_load.h) can hand the data lines, which it reads itself, past it. Not
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace bamort {

class DumpStatementSplitter {
 public:
  struct Statement {
    std::string text;  // without the delimiter
    uint64_t line = 0;  // 1-based line of the dump where it starts
  };

  // line_number is the line's number in the dump (for messages). Complete statements
  // are appended to *out.
  Status AddLine(std::string_view line, uint64_t line_number, std::vector<Statement>* out);
  // True between statements (no statement, quote or comment open).
  bool at_boundary() const { return current_.empty() && state_ == State::kCode; }
  // The dump ended: kFailed when a statement, quote or comment is still open.
  Status Finish() const;

 private:
  enum class State { kCode, kQuote, kBlockComment, kExecComment };

  std::string delimiter_ = ";";
  State state_ = State::kCode;
  char quote_ = 0;
  bool in_exec_ = false;  // the open quote sits inside an executable comment
  std::string current_;
  uint64_t current_line_ = 0;
};

// What the loader does with a statement that is not table data.
enum class DumpStatementKind {
  kSession,   // SET ...: changes the session; replayed before deferred statements
  kDeferred,  // CREATE TRIGGER / CREATE EVENT: must wait until every row is loaded
  kOther,     // DDL and everything else: run where it stands
};

DumpStatementKind ClassifyDumpStatement(std::string_view text);

}  // namespace bamort
