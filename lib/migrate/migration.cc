#include "migrate/migration.h"

#include <cctype>
#include <sstream>

#include "common/sha256.h"

namespace bamort {

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool HeaderValue(const std::string& line, const std::string& key, std::string* value) {
  std::string prefix = "-- " + key + ":";
  if (line.rfind(prefix, 0) != 0) return false;
  *value = Trim(line.substr(prefix.size()));
  return true;
}

}  // namespace

std::string NormalizedChecksum(const std::string& content) {
  std::string normalized;
  normalized.reserve(content.size());
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') continue;
    normalized.push_back(content[i]);
  }
  return Sha256Hex(normalized);
}

Status ParseMigration(const std::string& file_name, const std::string& content, Migration* out) {
  Migration m;
  m.name = file_name;
  size_t digits = 0;
  while (digits < file_name.size() && std::isdigit(static_cast<unsigned char>(file_name[digits]))) ++digits;
  if (digits == 0 || digits >= file_name.size() || file_name[digits] != '_' ||
      file_name.size() < 4 || file_name.substr(file_name.size() - 4) != ".sql") {
    return Status::BadInput(file_name + ": migration file names look like NNNN_short_name.sql");
  }
  m.number = std::stoll(file_name.substr(0, digits));
  if (m.number <= 0) return Status::BadInput(file_name + ": migration numbers start at 1");
  m.checksum = NormalizedChecksum(content);
  enum class Part { kHeader, kUp, kDown } part = Part::kHeader;
  std::string version_text;
  bool saw_up = false, saw_down = false;
  std::istringstream in(content);
  std::string line;
  int line_no = 0, up_first_line = 0, down_first_line = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string trimmed = Trim(line);
    if (trimmed == "-- +up") {
      if (saw_up) return Status::BadInput(file_name + " line " + std::to_string(line_no) + ": second '-- +up'");
      saw_up = true;
      part = Part::kUp;
      up_first_line = line_no + 1;
      continue;
    }
    if (trimmed.rfind("-- +down", 0) == 0) {
      if (!saw_up) return Status::BadInput(file_name + " line " + std::to_string(line_no) + ": '-- +down' before '-- +up'");
      if (saw_down) return Status::BadInput(file_name + " line " + std::to_string(line_no) + ": second '-- +down'");
      saw_down = true;
      part = Part::kDown;
      down_first_line = line_no + 1;
      std::string rest = Trim(trimmed.substr(8));
      if (rest.rfind("irreversible:", 0) == 0) {
        m.irreversible_reason = Trim(rest.substr(13));
        if (m.irreversible_reason.empty()) {
          return Status::BadInput(file_name + " line " + std::to_string(line_no) + ": 'irreversible:' needs a reason");
        }
      } else if (!rest.empty()) {
        return Status::BadInput(file_name + " line " + std::to_string(line_no) +
                                ": expected '-- +down' or '-- +down irreversible: <reason>'");
      }
      continue;
    }
    switch (part) {
      case Part::kHeader: {
        std::string v;
        if (HeaderValue(trimmed, "version", &v)) version_text = v;
        else if (HeaderValue(trimmed, "description", &v)) m.description = v;
        break;
      }
      case Part::kUp: m.up_sql += line + "\n"; break;
      case Part::kDown: m.down_sql += line + "\n"; break;
    }
  }
  if (version_text.empty()) return Status::BadInput(file_name + ": missing '-- version: X.Y.Z' header");
  BAMORT_RETURN_IF_ERROR(SemVer::Parse(version_text, &m.version).WithContext(file_name + ": header 'version'"));
  if (m.description.empty()) return Status::BadInput(file_name + ": missing '-- description: ...' header");
  if (!saw_up) return Status::BadInput(file_name + ": missing '-- +up' section");
  if (!saw_down) return Status::BadInput(file_name + ": missing '-- +down' section (write '-- +down irreversible: <why>' if there is none)");
  BAMORT_RETURN_IF_ERROR(SplitSqlStatements(m.up_sql, file_name + " (up)", &m.up));
  BAMORT_RETURN_IF_ERROR(SplitSqlStatements(m.down_sql, file_name + " (down)", &m.down));
  for (auto& s : m.up) s.line += up_first_line - 1;
  for (auto& s : m.down) s.line += down_first_line - 1;
  if (m.up.empty()) return Status::BadInput(file_name + ": the up section has no statement");
  if (m.irreversible_reason.empty()) {
    if (m.down.empty()) {
      return Status::BadInput(file_name + ": the down section has no statement (write '-- +down irreversible: <why>')");
    }
    m.has_down = true;
  } else if (!m.down.empty()) {
    return Status::BadInput(file_name + ": marked irreversible but has down statements");
  }
  *out = std::move(m);
  return Status::Ok();
}

}  // namespace bamort
