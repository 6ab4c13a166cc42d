#include "config/dotenv.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "config/bounded_file.h"

namespace bamort {

namespace {

constexpr size_t kMaxDotenvBytes = 1 << 20;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

size_t SkipBlanks(const std::string& s, size_t i) {
  while (i < s.size() && IsBlank(s[i])) ++i;
  return i;
}

bool IsKeyStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsKeyChar(char c) { return IsKeyStart(c) || (c >= '0' && c <= '9'); }

// What may follow a closing quote: blanks, then nothing or a comment.
bool OnlyCommentFollows(const std::string& s, size_t i) {
  i = SkipBlanks(s, i);
  return i == s.size() || s[i] == '#';
}

std::string TrimRight(std::string s) {
  while (!s.empty() && IsBlank(s.back())) s.pop_back();
  return s;
}

// Parses the value part of a line (everything after '='). An error is a short reason
// that never quotes the text; *has_dollar tells whether a `$` was taken literally where
// docker compose would interpolate it.
bool ParseValue(const std::string& rest, std::string* value, std::string* error, bool* has_dollar) {
  *has_dollar = false;
  size_t i = SkipBlanks(rest, 0);
  if (i < rest.size() && rest[i] == '\'') {
    size_t close = rest.find('\'', i + 1);
    if (close == std::string::npos) return *error = "the single quote does not close on this line", false;
    *value = rest.substr(i + 1, close - i - 1);
    if (!OnlyCommentFollows(rest, close + 1)) return *error = "text after the closing single quote", false;
    return true;
  }
  if (i < rest.size() && rest[i] == '"') {
    std::string v;
    for (size_t j = i + 1; j < rest.size(); ++j) {
      char c = rest[j];
      if (c == '"') {
        if (!OnlyCommentFollows(rest, j + 1)) return *error = "text after the closing double quote", false;
        *value = std::move(v);
        return true;
      }
      if (c == '\\' && j + 1 < rest.size()) {
        char e = rest[++j];
        switch (e) {
          case 'n': v += '\n'; break;
          case 't': v += '\t'; break;
          case 'r': v += '\r'; break;
          case '"': case '\\': case '$': v += e; break;
          default: v += '\\'; v += e; break;
        }
        continue;
      }
      if (c == '$') *has_dollar = true;
      v += c;
    }
    return *error = "the double quote does not close on this line", false;
  }
  // Unquoted: a blank followed by '#' starts a comment; '#' inside a word does not.
  std::string v = rest;
  for (size_t j = 1; j < v.size(); ++j) {
    if (v[j] == '#' && IsBlank(v[j - 1])) {
      v.resize(j);
      break;
    }
  }
  v = TrimRight(v.substr(std::min(i, v.size())));
  *has_dollar = v.find('$') != std::string::npos;
  *value = std::move(v);
  return true;
}

// One line (without its line break). false with *error when malformed; *skip for blank
// lines and comments.
bool ParseLine(std::string line, DotenvEntry* entry, bool* skip, std::string* error, bool* has_dollar) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  *skip = false;
  if (line.find('\0') != std::string::npos) return *error = "the line holds a NUL byte", false;
  size_t i = SkipBlanks(line, 0);
  if (i == line.size() || line[i] == '#') return *skip = true, true;
  if (line.compare(i, 6, "export") == 0 && i + 6 < line.size() && IsBlank(line[i + 6])) i = SkipBlanks(line, i + 6);
  size_t key_start = i;
  if (i == line.size() || !IsKeyStart(line[i])) {
    return *error = "expected KEY=VALUE, with KEY made of letters, digits and _ (not starting with a digit)", false;
  }
  while (i < line.size() && IsKeyChar(line[i])) ++i;
  entry->key = line.substr(key_start, i - key_start);
  i = SkipBlanks(line, i);
  if (i == line.size() || line[i] != '=') {
    return *error = "expected '=' after " + entry->key + " (KEY=VALUE, KEY made of letters, digits and _)", false;
  }
  if (!ParseValue(line.substr(i + 1), &entry->value, error, has_dollar)) {
    *error = entry->key + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace

Status ParseDotenv(const std::string& path, const std::string& text, DotenvFile* out) {
  DotenvFile file;
  file.path = path;
  size_t pos = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // a UTF-8 byte order mark
  int number = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++number;
    DotenvEntry entry;
    entry.line = number;
    bool skip = false, has_dollar = false;
    std::string error;
    if (!ParseLine(text.substr(pos, end - pos), &entry, &skip, &error, &has_dollar)) {
      return Status::BadInput(path + ":" + std::to_string(number) + ": " + error,
                              "the file is read as dotenv (KEY=VALUE lines, see docs/CONFIGURATION.md), never run "
                              "as shell");
    }
    if (!skip) {
      if (has_dollar && DotenvKeyIsUsed(entry.key)) {
        file.warnings.push_back(path + ":" + std::to_string(number) + ": the value of " + entry.key +
                                " holds '$', taken literally (docker compose would interpolate it; single quotes "
                                "make both read it the same)");
      }
      file.entries.push_back(std::move(entry));
    }
    pos = end + 1;
  }
  *out = std::move(file);
  return Status::Ok();
}

Status ReadDotenvFile(const std::string& path, DotenvFile* out) {
  std::string text;
  Status read = ReadFileBounded(path, kMaxDotenvBytes, &text);
  if (!read.ok()) return Status::BadInput("--env-file: " + read.message());
  return ParseDotenv(path, text, out);
}

bool DotenvKeyIsUsed(const std::string& key) {
  if (key.rfind("BAMORT_TEST_", 0) == 0) return false;
  if (key.rfind("BAMORT_", 0) == 0) return true;
  return key == "DATABASE_URL" || key == "MARIADB_USER" || key == "MARIADB_PASSWORD" ||
         key == "MARIADB_PASSWORD_FILE" || key == "MARIADB_DATABASE";
}

DotenvApplied ApplyDotenvToProcess(const DotenvFile& file) {
  // The value of each used key: the later line wins; keys in the order of first mention.
  std::vector<std::string> keys;
  std::map<std::string, std::string> values;
  for (const DotenvEntry& e : file.entries) {
    if (!DotenvKeyIsUsed(e.key)) continue;
    if (values.count(e.key) == 0) keys.push_back(e.key);
    values[e.key] = e.value;
  }
  DotenvApplied applied;
  for (const std::string& key : keys) {
    const char* current = std::getenv(key.c_str());
    if (current != nullptr && *current != '\0') {
      applied.kept.push_back(key);
      continue;
    }
    ::setenv(key.c_str(), values[key].c_str(), 1);
    applied.set.push_back(key);
  }
  return applied;
}

}  // namespace bamort
