// SqlScript: splits a multi-statement SQL text into single statements, so each one can
// be run, counted and reported on its own ("statement 3 of 5, line 12").
//
// Rules: a statement ends at ';' outside quotes ('..', "..", `..`) and comments
// (-- and # to end of line, /* .. */). Comments before a statement are dropped, those
// inside it are kept (MariaDB's /*! .. */ are executable). DELIMITER is not supported:
// compound statements have no place in a migration that must be counted statement by
// statement, and the splitter says so instead of guessing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace bamort {

struct SqlStatement {
  std::string text;  // without the trailing ';'
  int line = 0;      // 1-based line of the statement's first character
};

// source_name is used in error messages ("migrations/0003_x.sql line 14: ...").
Status SplitSqlStatements(std::string_view sql, const std::string& source_name, std::vector<SqlStatement>* out);

}  // namespace bamort
