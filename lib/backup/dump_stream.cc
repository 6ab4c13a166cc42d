#include "backup/dump_stream.h"

#include <cstring>

#include "common/text.h"

namespace bamort {

namespace {

// "`a``b`" at the start of s -> a`b; the rest of s after the closing quote in *rest.
bool ParseQuotedName(std::string_view s, std::string* name, std::string_view* rest) {
  if (s.empty() || s[0] != '`') return false;
  name->clear();
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '`') {
      name->push_back(s[i]);
    } else if (i + 1 < s.size() && s[i + 1] == '`') {
      name->push_back('`');
      ++i;
    } else {
      *rest = s.substr(i + 1);
      return true;
    }
  }
  return false;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string QuoteName(const std::string& name) {
  std::string q = "`";
  for (char c : name) {
    if (c == '`') q.push_back('`');
    q.push_back(c);
  }
  return q + "`";
}

}  // namespace

Status DumpStreamParser::Error(const std::string& what) const {
  return Status::Failed("reading the rows of the dump" + (table_.empty() ? std::string() : " (table " + table_ + ")") +
                        ": " + what + "; mariadb-dump's output has a shape this build does not know");
}

Status DumpStreamParser::OnLine(std::string_view line) {
  if (table_.empty()) {
    std::string name;
    std::string_view rest;
    if (StartsWith(line, "LOCK TABLES ") && ParseQuotedName(line.substr(12), &name, &rest) && rest == " WRITE;") {
      table_ = name;
      saw_data_ = true;
      section_rows_ = 0;
      if (rows_.count(table_)) return Error("a second data section for the table");
      return listener_ ? listener_->OnTableStart(table_) : Status::Ok();
    }
    return Status::Ok();
  }
  if (line == "UNLOCK TABLES;") {
    rows_[table_] = section_rows_;
    Status s = listener_ ? listener_->OnTableEnd(table_, section_rows_) : Status::Ok();
    table_.clear();
    return s;
  }
  if (line.empty() || StartsWith(line, "/*!40000 ALTER TABLE ")) return Status::Ok();
  return Error("unexpected line '" + std::string(line.substr(0, 80)) + "'");
}

Status DumpStreamParser::EndValue() {
  if (value_is_string_) {
    row_.emplace_back(value_);
  } else if (value_ == "NULL") {
    row_.emplace_back(std::nullopt);
  } else if (value_.size() >= 2 && value_[0] == '0' && (value_[1] == 'x' || value_[1] == 'X')) {
    if (value_.size() % 2 != 0) return Error("odd hex literal");
    std::string bytes(value_.size() / 2 - 1, '\0');
    for (size_t i = 2, o = 0; i < value_.size(); i += 2, ++o) {
      int hi = HexDigit(value_[i]), lo = HexDigit(value_[i + 1]);
      if (hi < 0 || lo < 0) return Error("bad hex literal");
      bytes[o] = static_cast<char>(hi << 4 | lo);
    }
    row_.emplace_back(std::move(bytes));
  } else if (value_.empty()) {
    return Error("empty value");
  } else {
    row_.emplace_back(value_);  // a number (or another unquoted word): the server's text
  }
  value_.clear();
  value_is_string_ = false;
  return Status::Ok();
}

Status DumpStreamParser::Feed(std::string_view data) {
  const char* p = data.data();
  const char* end = p + data.size();
  while (p < end) {
    switch (state_) {
      case State::kLine: {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const char* stop = nl ? nl : end;
        line_.append(p, static_cast<size_t>(stop - p));
        p = stop;
        // Inside a data section, "INSERT INTO `t` VALUES" starts the values (on this line
        // or the next ones); everything else is a whole line.
        if (!table_.empty() && StartsWith(line_, "INSERT INTO ")) {
          const std::string head = "INSERT INTO " + QuoteName(table_) + " VALUES";
          if (line_.size() >= head.size() + 1 && StartsWith(line_, head) &&
              (line_[head.size()] == ' ' || line_[head.size()] == '(')) {
            p -= line_.size() - head.size();  // back to the first byte after VALUES
            line_.clear();
            state_ = State::kBetweenTuples;
            break;
          }
          if (line_.size() == head.size() && nl && line_ == head) {
            p = nl + 1;  // tuples start on the next line
            line_.clear();
            state_ = State::kBetweenTuples;
            break;
          }
          if (line_.size() >= head.size() + 1 || nl) {
            return Error("INSERT of another form: '" + line_.substr(0, 80) + "' (a column list?)");
          }
        }
        if (nl) {
          ++p;
          Status s = OnLine(line_);
          line_.clear();
          if (!s.ok()) return s;
        }
        break;
      }
      case State::kInsertHead:  // not used: the head is read in kLine
      case State::kBetweenTuples: {
        char c = *p++;
        if (c == '(') {
          row_.clear();
          state_ = State::kBeforeValue;
        } else if (c == ';') {
          state_ = State::kLine;
        } else if (c != ',' && c != '\n' && c != ' ' && c != '\r') {
          return Error(std::string("unexpected '") + c + "' between rows");
        }
        break;
      }
      case State::kBeforeValue: {
        char c = *p++;
        if (c == '\'') {
          value_.clear();
          value_is_string_ = true;
          state_ = State::kString;
        } else if (c == ',' || c == ')' || c == '\n') {
          return Error("missing value");
        } else {
          value_.assign(1, c);
          value_is_string_ = false;
          state_ = State::kWord;
        }
        break;
      }
      case State::kString: {
        // The long part: copy up to the next backslash or quote in one go (memchr: the
        // restore's check of a set runs through here at the speed of the search).
        const char* q = static_cast<const char*>(std::memchr(p, '\'', static_cast<size_t>(end - p)));
        if (!q) q = end;
        if (const char* b = static_cast<const char*>(std::memchr(p, '\\', static_cast<size_t>(q - p)))) q = b;
        if (listener_) value_.append(p, static_cast<size_t>(q - p));
        p = q;
        if (p < end) {
          state_ = *p == '\\' ? State::kStringEscape : State::kAfterValue;
          ++p;
        }
        break;
      }
      case State::kStringEscape: {
        char c = *p++;
        switch (c) {
          case '0': c = '\0'; break;
          case 'n': c = '\n'; break;
          case 'r': c = '\r'; break;
          case 't': c = '\t'; break;
          case 'b': c = '\b'; break;
          case 'Z': c = '\x1a'; break;
          default: break;  // \\ \' \" and anything else stand for themselves
        }
        if (listener_) value_.push_back(c);
        state_ = State::kString;
        break;
      }
      case State::kWord: {
        // A number, NULL or a 0x hex literal (an image is one word of a million digits).
        const char* q = p;
        while (q < end && *q != ',' && *q != ')' && *q != '\'' && *q != '\n' && *q != '(') ++q;
        if (listener_) value_.append(p, static_cast<size_t>(q - p));
        p = q;
        if (p == end) break;
        char c = *p;
        if (c == ',' || c == ')') {
          state_ = State::kAfterValue;
        } else {
          return Error("unexpected '" + std::string(1, c) + "' in the value '" + value_.substr(0, 40) + "'");
        }
        break;
      }
      case State::kAfterValue: {
        char c = *p++;
        if (c == ',') {
          if (listener_) BAMORT_RETURN_IF_ERROR(EndValue());
          value_.clear();
          state_ = State::kBeforeValue;
        } else if (c == ')') {
          if (listener_) BAMORT_RETURN_IF_ERROR(EndValue());
          value_.clear();
          ++section_rows_;
          if (listener_) BAMORT_RETURN_IF_ERROR(listener_->OnRow(table_, row_));
          state_ = State::kBetweenTuples;
        } else {
          return Error(std::string("unexpected '") + c + "' after a value");
        }
        break;
      }
    }
  }
  return Status::Ok();
}

Status DumpStreamParser::Finish() {
  if (state_ != State::kLine) return Error("the dump ends inside an INSERT statement");
  if (!line_.empty()) {
    BAMORT_RETURN_IF_ERROR(OnLine(line_));
    line_.clear();
  }
  if (!table_.empty()) return Error("the dump ends inside the data of the table");
  return Status::Ok();
}

}  // namespace bamort
