#include "backup/dump_statements.h"

#include <cctype>

namespace bamort {

namespace {

bool StartsWithNoCase(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != p[i]) return false;
  }
  return true;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return s.substr(i);
}

}  // namespace

Status DumpStatementSplitter::AddLine(std::string_view line, uint64_t line_number, std::vector<Statement>* out) {
  if (at_boundary()) {
    std::string_view t = TrimLeft(line);
    if (StartsWithNoCase(t, "DELIMITER") && (t.size() == 9 || IsSpace(t[9]))) {
      std::string_view d = TrimLeft(t.substr(9));
      d = d.substr(0, d.find_first_of(" \t\r"));
      if (d.empty()) return Status::BadInput("dump line " + std::to_string(line_number) + ": DELIMITER without a delimiter");
      delimiter_ = std::string(d);
      return Status::Ok();
    }
  }
  auto begin = [&] {
    if (current_.empty()) current_line_ = line_number;
  };
  const size_t n = line.size();
  size_t i = 0;
  while (i < n) {
    char c = line[i];
    if (state_ == State::kQuote) {
      size_t j = i;
      while (j < n && line[j] != quote_ && !(line[j] == '\\' && quote_ != '`')) ++j;
      current_.append(line.substr(i, j - i));
      if (j == n) break;
      if (line[j] == '\\') {  // an escaped character (or an escaped line end)
        current_.append(line.substr(j, 2));
        i = j + 2;
        continue;
      }
      current_.push_back(quote_);
      i = j + 1;
      if (i < n && line[i] == quote_) {  // a doubled quote stays inside
        current_.push_back(quote_);
        ++i;
        continue;
      }
      state_ = in_exec_ ? State::kExecComment : State::kCode;
    } else if (state_ == State::kBlockComment) {
      size_t e = line.find("*/", i);
      if (e == std::string_view::npos) break;
      i = e + 2;
      state_ = State::kCode;
    } else if (state_ == State::kExecComment) {
      if (c == '*' && i + 1 < n && line[i + 1] == '/') {
        current_.append("*/");
        i += 2;
        state_ = State::kCode;
        in_exec_ = false;
      } else if (c == '\'' || c == '"' || c == '`') {
        quote_ = c;
        current_.push_back(c);
        ++i;
        state_ = State::kQuote;
      } else {
        current_.push_back(c);
        ++i;
      }
    } else if (line.compare(i, delimiter_.size(), delimiter_) == 0) {
      size_t end = current_.find_last_not_of(" \t\r\n");
      if (end != std::string::npos) out->push_back({current_.substr(0, end + 1), current_line_});
      current_.clear();
      i += delimiter_.size();
    } else if ((c == '-' && i + 1 < n && line[i + 1] == '-' && (i + 2 == n || IsSpace(line[i + 2]))) || c == '#') {
      break;  // a comment to the end of the line
    } else if (c == '/' && i + 1 < n && line[i + 1] == '*') {
      std::string_view rest = line.substr(i);
      // /*! .. */ and /*M! .. */ run on servers of that version or newer; 999999 on none
      // (mariadb-dump's sandbox-mode marker for its own client).
      bool executable = (StartsWithNoCase(rest, "/*!") || StartsWithNoCase(rest, "/*M!")) &&
                        !StartsWithNoCase(rest, "/*M!999999") && !StartsWithNoCase(rest, "/*!999999");
      i += 2;
      if (executable) {
        begin();
        current_.append("/*");
        state_ = State::kExecComment;
        in_exec_ = true;
      } else {
        state_ = State::kBlockComment;
      }
    } else if (c == '\'' || c == '"' || c == '`') {
      begin();
      quote_ = c;
      current_.push_back(c);
      ++i;
      state_ = State::kQuote;
    } else {
      if (!current_.empty() || !IsSpace(c)) {
        begin();
        current_.push_back(c);
      }
      ++i;
    }
  }
  if (!current_.empty()) current_.push_back('\n');
  return Status::Ok();
}

Status DumpStatementSplitter::Finish() const {
  if (state_ == State::kQuote) return Status::Failed("the dump ends inside a quoted string");
  if (state_ != State::kCode) return Status::Failed("the dump ends inside a comment");
  size_t end = current_.find_last_not_of(" \t\r\n");
  if (end != std::string::npos) {
    return Status::Failed("the dump ends inside a statement (line " + std::to_string(current_line_) + ")");
  }
  return Status::Ok();
}

DumpStatementKind ClassifyDumpStatement(std::string_view text) {
  // The words of the statement's start, with the executable-comment marks taken out:
  // "/*!50003 CREATE*/ /*!50017 DEFINER=`a`@`b`*/ /*!50003 TRIGGER" -> CREATE DEFINER=.. TRIGGER
  std::vector<std::string> words;
  std::string word;
  size_t i = 0;
  while (i < text.size() && words.size() < 8 && i < 600) {
    std::string_view rest = text.substr(i);
    if (StartsWithNoCase(rest, "/*!") || StartsWithNoCase(rest, "/*M!")) {
      i += rest[2] == '!' ? 3 : 4;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      if (!word.empty()) words.push_back(word), word.clear();
      continue;
    }
    if (StartsWithNoCase(rest, "*/") || IsSpace(text[i])) {
      if (!word.empty()) words.push_back(word), word.clear();
      i += IsSpace(text[i]) ? 1 : 2;
      continue;
    }
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
    ++i;
  }
  if (!word.empty()) words.push_back(word);
  if (words.empty()) return DumpStatementKind::kOther;
  if (words[0] == "SET") return DumpStatementKind::kSession;
  if (words[0] != "CREATE") return DumpStatementKind::kOther;
  for (size_t w = 1; w < words.size(); ++w) {
    const std::string& x = words[w];
    if (x == "OR" || x == "REPLACE" || x.rfind("DEFINER", 0) == 0) continue;
    return x == "TRIGGER" || x == "EVENT" ? DumpStatementKind::kDeferred : DumpStatementKind::kOther;
  }
  return DumpStatementKind::kOther;
}

}  // namespace bamort
