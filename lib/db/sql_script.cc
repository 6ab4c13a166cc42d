#include "db/sql_script.h"

#include <cctype>

namespace bamort {

namespace {

bool StartsWithWord(std::string_view text, size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[pos + i])) != word[i]) return false;
  }
  size_t end = pos + word.size();
  return end == text.size() || std::isspace(static_cast<unsigned char>(text[end]));
}

}  // namespace

Status SplitSqlStatements(std::string_view sql, const std::string& source_name, std::vector<SqlStatement>* out) {
  out->clear();
  std::string current;
  int line = 1;
  int statement_line = 0;
  size_t i = 0;
  const size_t n = sql.size();

  auto flush = [&]() {
    size_t end = current.find_last_not_of(" \t\r\n");
    if (end != std::string::npos) {
      current.resize(end + 1);
      out->push_back({current, statement_line});
    }
    current.clear();
    statement_line = 0;
  };
  auto begin_statement = [&]() {
    if (statement_line == 0) statement_line = line;
  };

  while (i < n) {
    char c = sql[i];
    // Comments that run to the end of the line.
    bool dash_comment = c == '-' && i + 1 < n && sql[i + 1] == '-' &&
                        (i + 2 >= n || std::isspace(static_cast<unsigned char>(sql[i + 2])));
    if (dash_comment || c == '#') {
      size_t eol = sql.find('\n', i);
      if (eol == std::string_view::npos) eol = n;
      if (statement_line != 0) current.append(sql.substr(i, eol - i));
      i = eol;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      bool executable = i + 2 < n && sql[i + 2] == '!';
      size_t close = sql.find("*/", i + 2);
      if (close == std::string_view::npos) {
        return Status::BadInput(source_name + " line " + std::to_string(line) + ": unterminated /* comment");
      }
      std::string_view body = sql.substr(i, close + 2 - i);
      for (char b : body) line += b == '\n';
      if (executable) begin_statement();
      if (statement_line != 0) current.append(body);
      i = close + 2;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      begin_statement();
      int start_line = line;
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        char d = sql[j];
        if (d == '\n') ++line;
        if (d == '\\' && c != '`' && j + 1 < n) {
          if (sql[j + 1] == '\n') ++line;
          j += 2;
          continue;
        }
        if (d == c) {
          if (j + 1 < n && sql[j + 1] == c) {  // doubled quote
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        ++j;
      }
      if (!closed) {
        return Status::BadInput(source_name + " line " + std::to_string(start_line) + ": unterminated " +
                                std::string(1, c) + " quote");
      }
      current.append(sql.substr(i, j + 1 - i));
      i = j + 1;
      continue;
    }
    if (c == ';') {
      flush();
      ++i;
      continue;
    }
    if (c == '\n') ++line;
    if (!std::isspace(static_cast<unsigned char>(c))) {
      if (statement_line == 0 && StartsWithWord(sql, i, "DELIMITER")) {
        return Status::BadInput(source_name + " line " + std::to_string(line) +
                                ": DELIMITER is not supported; write each statement ending in ';' "
                                "(use PREPARE/EXECUTE for conditional statements)");
      }
      begin_statement();
    }
    if (statement_line != 0) current.push_back(c);
    ++i;
  }
  flush();
  return Status::Ok();
}

}  // namespace bamort
