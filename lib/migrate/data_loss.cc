#include "migrate/data_loss.h"

#include <cctype>
#include <set>

namespace bamort {

namespace {

std::string Upper(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void SkipSpaces(const std::string& s, size_t* pos) {
  while (*pos < s.size() && std::isspace(static_cast<unsigned char>(s[*pos]))) ++*pos;
}

// Skips "IF EXISTS" at *pos (in the upper-case text) when it is there.
void SkipIfExists(const std::string& upper, size_t* pos) {
  SkipSpaces(upper, pos);
  if (upper.compare(*pos, 2, "IF") != 0) return;
  size_t p = *pos + 2;
  SkipSpaces(upper, &p);
  if (upper.compare(p, 6, "EXISTS") == 0) {
    *pos = p + 6;
    SkipSpaces(upper, pos);
  }
}

// An identifier at *pos: `quoted` (with `` as an escaped backtick) or bare.
std::string ReadIdentifier(const std::string& text, size_t* pos) {
  SkipSpaces(text, pos);
  std::string name;
  if (*pos < text.size() && text[*pos] == '`') {
    for (size_t p = *pos + 1; p < text.size(); ++p) {
      if (text[p] == '`') {
        if (p + 1 < text.size() && text[p + 1] == '`') {
          name += '`';
          ++p;
          continue;
        }
        *pos = p + 1;
        return name;
      }
      name += text[p];
    }
    return "";
  }
  while (*pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[*pos])) || text[*pos] == '_')) {
    name += text[(*pos)++];
  }
  return name;
}

void DropsOfStatement(int64_t migration, const std::string& text, std::vector<DroppedObject>* out) {
  const std::string upper = Upper(text);
  for (size_t at = upper.find("DROP TABLE"); at != std::string::npos; at = upper.find("DROP TABLE", at + 1)) {
    size_t pos = at + 10;
    SkipIfExists(upper, &pos);
    while (true) {
      std::string table = ReadIdentifier(text, &pos);
      if (table.empty()) break;
      out->push_back({migration, table, ""});
      SkipSpaces(text, &pos);
      if (pos >= text.size() || text[pos] != ',') break;
      ++pos;
    }
  }
  for (size_t at = upper.find("DROP COLUMN"); at != std::string::npos; at = upper.find("DROP COLUMN", at + 1)) {
    size_t alter = upper.rfind("ALTER TABLE", at);
    if (alter == std::string::npos) continue;
    size_t tpos = alter + 11;
    SkipIfExists(upper, &tpos);
    std::string table = ReadIdentifier(text, &tpos);
    size_t cpos = at + 11;
    SkipIfExists(upper, &cpos);
    std::string column = ReadIdentifier(text, &cpos);
    if (!table.empty() && !column.empty()) out->push_back({migration, table, column});
  }
}

}  // namespace

std::string DataLoss::Describe() const {
  return "migration " + std::to_string(migration) + " drops " + (column.empty() ? "table " + table : table + "." + column) +
         " (" + std::to_string(rows) + (column.empty() ? " row(s))" : " row(s) hold a value)");
}

std::vector<DroppedObject> DroppedObjects(const std::vector<const Migration*>& plan) {
  std::vector<DroppedObject> out;
  for (const Migration* m : plan) {
    for (const SqlStatement& s : m->down) DropsOfStatement(m->number, s.text, &out);
  }
  return out;
}

Status FindDataLoss(Connection* conn, const std::vector<const Migration*>& plan, std::vector<DataLoss>* out) {
  out->clear();
  std::set<std::pair<std::string, std::string>> seen;
  for (const DroppedObject& d : DroppedObjects(plan)) {
    if (!seen.insert({d.table, d.column}).second) continue;
    Value exists;
    std::string where = "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = " + conn->Quote(d.table);
    if (!d.column.empty()) where += " AND COLUMN_NAME = " + conn->Quote(d.column);
    BAMORT_RETURN_IF_ERROR(conn->QueryValue(
        std::string("SELECT COUNT(*) FROM information_schema.") + (d.column.empty() ? "TABLES" : "COLUMNS") +
            " WHERE " + where,
        &exists));
    if (!exists || *exists == "0") continue;
    Value rows;
    std::string sql = "SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(d.table);
    if (!d.column.empty()) sql += " WHERE " + Connection::QuoteIdentifier(d.column) + " IS NOT NULL";
    BAMORT_RETURN_IF_ERROR(conn->QueryValue(sql, &rows));
    int64_t n = rows ? std::stoll(*rows) : 0;
    if (n > 0) out->push_back({d.migration, d.table, d.column, n});
  }
  return Status::Ok();
}

}  // namespace bamort
