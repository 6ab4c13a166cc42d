#include "db/sql_script.h"

#include <cctype>

namespace bamort {

namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }

bool StartsWithWord(std::string_view text, size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[pos + i])) != word[i]) return false;
  }
  size_t end = pos + word.size();
  return end == text.size() || IsSpace(text[end]);
}

// The splitter's state: where it is in the text, the statement being collected and the
// line it began on (0 = between statements, where comments are dropped). Each Take*
// consumes one token starting at pos_ and appends it to the statement when one is open.
class Splitter {
 public:
  Splitter(std::string_view sql, const std::string& source_name, std::vector<SqlStatement>* out)
      : sql_(sql), source_(source_name), out_(out) {}

  Status Run() {
    out_->clear();
    while (pos_ < sql_.size()) {
      char c = sql_[pos_];
      if (AtLineComment()) {
        TakeLineComment();
      } else if (c == '/' && Peek(1) == '*') {
        BAMORT_RETURN_IF_ERROR(TakeBlockComment());
      } else if (c == '\'' || c == '"' || c == '`') {
        BAMORT_RETURN_IF_ERROR(TakeQuoted(c));
      } else if (c == ';') {
        Flush();
        ++pos_;
      } else {
        BAMORT_RETURN_IF_ERROR(TakeChar(c));
      }
    }
    Flush();
    return Status::Ok();
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < sql_.size() ? sql_[pos_ + ahead] : '\0'; }
  bool InStatement() const { return statement_line_ != 0; }
  void BeginStatement() {
    if (statement_line_ == 0) statement_line_ = line_;
  }
  Status Error(int line, const std::string& what) const {
    return Status::BadInput(source_ + " line " + std::to_string(line) + ": " + what);
  }

  // "-- " (a dash comment needs the space, as MariaDB's does) or '#', to the end of the line.
  bool AtLineComment() const {
    char c = sql_[pos_];
    if (c == '#') return true;
    return c == '-' && Peek(1) == '-' && (pos_ + 2 >= sql_.size() || IsSpace(sql_[pos_ + 2]));
  }

  void TakeLineComment() {
    size_t eol = sql_.find('\n', pos_);
    if (eol == std::string_view::npos) eol = sql_.size();
    if (InStatement()) current_.append(sql_.substr(pos_, eol - pos_));
    pos_ = eol;
  }

  // /* .. */; MariaDB's executable /*! .. */ begins a statement.
  Status TakeBlockComment() {
    bool executable = Peek(2) == '!';
    size_t close = sql_.find("*/", pos_ + 2);
    if (close == std::string_view::npos) return Error(line_, "unterminated /* comment");
    std::string_view body = sql_.substr(pos_, close + 2 - pos_);
    for (char b : body) line_ += b == '\n';
    if (executable) BeginStatement();
    if (InStatement()) current_.append(body);
    pos_ = close + 2;
    return Status::Ok();
  }

  // A quoted string or identifier: backslash escapes (not in `..`) and doubled quotes.
  Status TakeQuoted(char quote) {
    BeginStatement();
    int start_line = line_;
    size_t j = pos_ + 1;
    for (; j < sql_.size(); ++j) {
      char d = sql_[j];
      if (d == '\n') ++line_;
      if (d == '\\' && quote != '`' && j + 1 < sql_.size()) {
        if (sql_[j + 1] == '\n') ++line_;
        ++j;
        continue;
      }
      if (d != quote) continue;
      if (j + 1 < sql_.size() && sql_[j + 1] == quote) {  // doubled quote
        ++j;
        continue;
      }
      current_.append(sql_.substr(pos_, j + 1 - pos_));
      pos_ = j + 1;
      return Status::Ok();
    }
    return Error(start_line, "unterminated " + std::string(1, quote) + " quote");
  }

  Status TakeChar(char c) {
    if (c == '\n') ++line_;
    if (!IsSpace(c)) {
      if (!InStatement() && StartsWithWord(sql_, pos_, "DELIMITER")) {
        return Error(line_, "DELIMITER is not supported; write each statement ending in ';' "
                            "(use PREPARE/EXECUTE for conditional statements)");
      }
      BeginStatement();
    }
    if (InStatement()) current_.push_back(c);
    ++pos_;
    return Status::Ok();
  }

  void Flush() {
    size_t end = current_.find_last_not_of(" \t\r\n");
    if (end != std::string::npos) {
      current_.resize(end + 1);
      out_->push_back({current_, statement_line_});
    }
    current_.clear();
    statement_line_ = 0;
  }

  std::string_view sql_;
  const std::string& source_;
  std::vector<SqlStatement>* out_;
  size_t pos_ = 0;
  int line_ = 1;
  int statement_line_ = 0;
  std::string current_;
};

}  // namespace

Status SplitSqlStatements(std::string_view sql, const std::string& source_name, std::vector<SqlStatement>* out) {
  return Splitter(sql, source_name, out).Run();
}

}  // namespace bamort
