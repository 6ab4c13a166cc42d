#include "backup/restore_checks.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "backup/dump_stream.h"
#include "backup/gzip_file.h"
#include "common/json_value.h"
#include "common/text.h"
#include "db/privileges.h"

namespace bamort {

namespace {

bool Contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

// "`a``b`..." at the start of s -> a`b.
std::string LeadingName(std::string_view s) {
  std::string name;
  for (size_t i = 1; i < s.size() && s[0] == '`'; ++i) {
    if (s[i] != '`') {
      name.push_back(s[i]);
    } else if (i + 1 < s.size() && s[i + 1] == '`') {
      name.push_back('`');
      ++i;
    } else {
      break;
    }
  }
  return name;
}

// `a``b` at the start of s -> a`b, and the rest after it; false when s does not start so.
bool QuotedName(std::string_view s, std::string* name, std::string_view* rest) {
  if (s.empty() || s[0] != '`') return false;
  *name = LeadingName(s);
  size_t len = 2;
  for (char c : *name) len += c == '`' ? 2 : 1;
  if (len > s.size()) return false;
  *rest = s.substr(len);
  return true;
}

// DEFINER=`user`@`host` anywhere in text -> "user@host" into definers.
void NoteDefiners(std::string_view text, std::set<std::string>* definers) {
  for (size_t at = text.find("DEFINER=`"); at != std::string_view::npos; at = text.find("DEFINER=`", at + 1)) {
    std::string user, host;
    std::string_view rest;
    if (QuotedName(text.substr(at + 8), &user, &rest) && !rest.empty() && rest[0] == '@' &&
        QuotedName(rest.substr(1), &host, &rest)) {
      definers->insert(user + "@" + host);
    }
  }
}

// What a statement starting with this line of mariadb-dump's output needs (the version
// comments /*!NNNNN ...*/ are run by the server, so they count).
void ClassifyLine(std::string_view line, SetContent* out) {
  if (line.empty() || line[0] == '(' || StartsWith(line, "INSERT INTO ")) return;  // data
  NoteDefiners(line, &out->definers);
  if (StartsWith(line, "DROP TABLE ") || StartsWith(line, "/*!50001 DROP VIEW ") || StartsWith(line, "DROP VIEW ")) {
    out->needs.insert("DROP");
  } else if (StartsWith(line, "LOCK TABLES ")) {
    out->needs.insert("LOCK TABLES");
  } else if (StartsWith(line, "/*!40000 ALTER TABLE ") || StartsWith(line, "ALTER TABLE ")) {
    out->needs.insert("ALTER");
  } else if (StartsWith(line, "/*!50001 CREATE VIEW ") || StartsWith(line, "/*!50001 VIEW ")) {
    out->needs.insert("CREATE VIEW");
    if (StartsWith(line, "/*!50001 VIEW ")) out->views.push_back(LeadingName(line.substr(14)));
  } else if (StartsWith(line, "/*!50003 CREATE*/") && Contains(line, "TRIGGER ")) {
    out->needs.insert("TRIGGER");
  } else if (StartsWith(line, "/*!50003 DROP PROCEDURE ") || StartsWith(line, "/*!50003 DROP FUNCTION ")) {
    out->needs.insert("ALTER ROUTINE");
  } else if (StartsWith(line, "CREATE ") && (Contains(line, " PROCEDURE ") || Contains(line, " FUNCTION "))) {
    out->needs.insert("CREATE ROUTINE");
  } else if (StartsWith(line, "/*!50106 ") && (Contains(line, "EVENT "))) {
    out->needs.insert("EVENT");
  }
}

// Cuts a stream into lines and passes the first kKeep bytes of each to a callback: the
// statements' heads, without copying the (long) data lines.
class LineHeads {
 public:
  static constexpr size_t kKeep = 512;
  explicit LineHeads(SetContent* out) : out_(out) {}
  void Feed(std::string_view data) {
    while (!data.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
      size_t n = nl ? static_cast<size_t>(nl - data.data()) : data.size();
      if (head_.size() < kKeep) head_.append(data.data(), std::min(n, kKeep - head_.size()));
      if (!nl) return;
      ClassifyLine(head_, out_);
      head_.clear();
      data.remove_prefix(n + 1);
    }
  }
  void Finish() {
    if (!head_.empty()) ClassifyLine(head_, out_);
  }

 private:
  SetContent* out_;
  std::string head_;
};

}  // namespace

Status ScanSqlDump(const std::string& path, SetContent* out,
                   const std::function<void(std::string_view)>& on_compressed) {
  *out = SetContent();
  DumpStreamParser parser(nullptr);  // counts only
  LineHeads heads(out);
  Status s = ReadGzipFile(path, [&](std::string_view data) {
    out->bytes += data.size();
    heads.Feed(data);
    return parser.Feed(data);
  }, on_compressed);
  heads.Finish();
  if (s.ok()) s = parser.Finish();
  // A dump the parser cannot read is not one a restore can be checked against (the
  // restore judges the file's sha256 first: a damaged file is named as damaged).
  if (!s.ok()) return Status::BadInput(path + ": " + s.message(), "use another backup set (bamort-backup --list)");
  out->rows = parser.rows();
  return Status::Ok();
}

namespace {

// The JSON export line by line: rows are counted, not parsed (ImportJson parses them).
struct JsonScan {
  JsonScan(const std::string& p, SetContent* o) : path(p), out(o) {}
  const std::string& path;
  SetContent* out;
  uint64_t line_no = 0;
  std::string table;
  uint64_t table_rows = 0;
  uint64_t total_rows = 0;
  bool header = false;
  bool trailer = false;

  Status Line(std::string_view line) {
    ++line_no;
    const std::string where = path + " line " + std::to_string(line_no);
    if (line.empty()) return Status::Ok();
    if (trailer) return Status::BadInput(where + ": data after the end of the export");
    if (line[0] == '[') {
      if (table.empty()) return Status::BadInput(where + ": a row outside a table");
      ++table_rows;
      return Status::Ok();
    }
    JsonValue v;
    Status parsed = ParseJsonValue(line, &v);
    if (!parsed.ok()) return Status::BadInput(where + ": not JSON (" + parsed.message() + ")");
    if (!v.is_object()) return Status::BadInput(where + ": neither a row nor an object");
    return Object(v, where);
  }

  static bool Has(const JsonValue& o, const char* key) { return o.Find(key) != nullptr; }
  static std::string Str(const JsonValue& o, const char* key) {
    const JsonValue* v = o.Find(key);
    return v && v->type() == JsonValue::Type::kString ? v->text() : "";
  }
  // -1 when absent or not a whole number.
  static int64_t Int(const JsonValue& o, const char* key) {
    const JsonValue* v = o.Find(key);
    if (!v || v->type() != JsonValue::Type::kNumber || v->text().empty() ||
        v->text().find_first_not_of("0123456789") != std::string::npos || v->text().size() > 18) {
      return -1;
    }
    return std::stoll(v->text());
  }

  Status Object(const JsonValue& o, const std::string& where) {
    if (!header) {
      if (Str(o, "format") != "bamort-json-export" || Int(o, "format_version") != 1) {
        return Status::BadInput(where + ": not a bamort JSON export (format_version 1)");
      }
      header = true;
    } else if (Has(o, "table")) {
      if (!table.empty()) return Status::BadInput(where + ": table started before the end of table " + table);
      table = Str(o, "table");
      if (table.empty() || out->rows.count(table)) return Status::BadInput(where + ": no or a repeated table name");
      table_rows = 0;
    } else if (Has(o, "end")) {
      if (table.empty() || Str(o, "end") != table) return Status::BadInput(where + ": end of a table that was not started");
      if (Int(o, "rows") != static_cast<int64_t>(table_rows)) {
        return Status::BadInput(where + ": table " + table + " has " + std::to_string(table_rows) +
                                " rows in the export, its end line says " + std::to_string(Int(o, "rows")));
      }
      out->rows[table] = table_rows;
      total_rows += table_rows;
      table.clear();
    } else if (Has(o, "view")) {
      out->views.push_back(Str(o, "view"));
      NoteDefiners(Str(o, "create"), &out->definers);
      out->needs.insert("CREATE VIEW");
    } else if (Has(o, "end_of_export")) {
      if (!table.empty()) return Status::BadInput(where + ": the export ends inside table " + table);
      if (Int(o, "tables") != static_cast<int64_t>(out->rows.size()) ||
          Int(o, "rows") != static_cast<int64_t>(total_rows)) {
        return Status::BadInput(where + ": the trailer says " + std::to_string(Int(o, "tables")) + " tables and " +
                                std::to_string(Int(o, "rows")) + " rows, the export holds " +
                                std::to_string(out->rows.size()) + " and " + std::to_string(total_rows));
      }
      trailer = true;
    } else {
      return Status::BadInput(where + ": unknown line");
    }
    return Status::Ok();
  }
};

}  // namespace

Status ScanJsonExport(const std::string& path, SetContent* out,
                      const std::function<void(std::string_view)>& on_compressed) {
  *out = SetContent();
  JsonScan scan(path, out);
  BAMORT_RETURN_IF_ERROR(ReadGzipLines(path, [&](std::string_view line) {
    out->bytes += line.size() + 1;
    return scan.Line(line);
  }, on_compressed));
  if (!scan.header || !scan.trailer) return Status::BadInput(path + " ends before the end of the export (truncated)");
  return Status::Ok();
}

Status CheckContentAgainstManifest(const Manifest& manifest, const std::string& file_name, const SetContent& content,
                                   std::vector<std::string>* differences) {
  differences->clear();
  for (const auto& [table, stat] : manifest.tables) {
    auto it = content.rows.find(table);
    if (it == content.rows.end()) {
      differences->push_back("table " + table + ": in the manifest, not in " + file_name);
    } else if (it->second != stat.rows) {
      differences->push_back("table " + table + ": " + std::to_string(it->second) + " rows in " + file_name +
                             ", the manifest says " + std::to_string(stat.rows));
    }
  }
  for (const auto& [table, rows] : content.rows) {
    if (!manifest.tables.count(table)) differences->push_back("table " + table + ": in " + file_name + ", not in the manifest");
  }
  if (differences->empty()) return Status::Ok();
  return Status::BadInput("the backup set's manifest does not match " + file_name + ": " + differences->front() +
                              (differences->size() > 1 ? " (and " + std::to_string(differences->size() - 1) + " more)" : ""),
                          "the manifest was edited or the files come from another backup; use another set "
                          "(bamort-backup --list)");
}

std::vector<std::string> RestorePrivileges(const SetContent& content, const RestorePrivilegeNeeds& needs) {
  std::set<std::string> all = content.needs;
  all.insert({"CREATE", "DROP", "INSERT"});
  if (needs.drop_routines) all.insert("ALTER ROUTINE");
  if (needs.drop_events) all.insert("EVENT");
  // The order a reader expects: the basic ones first.
  static const char* kOrder[] = {"CREATE", "DROP", "INSERT", "ALTER", "LOCK TABLES", "CREATE VIEW", "TRIGGER",
                                 "CREATE ROUTINE", "ALTER ROUTINE", "EVENT"};
  std::vector<std::string> out;
  for (const char* p : kOrder) {
    if (all.erase(p)) out.push_back(p);
  }
  out.insert(out.end(), all.begin(), all.end());
  return out;
}

namespace {

// The definers other than the current user, when the user may not name them.
Status CheckDefiners(Connection* conn, const std::string& database, const std::set<std::string>& definers,
                     std::vector<std::string>* missing) {
  Value me;
  BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT CURRENT_USER()", &me));
  std::string others;
  for (const std::string& d : definers) {
    if (!me || d != *me) others += (others.empty() ? "" : ", ") + d;
  }
  if (others.empty()) return Status::Ok();
  PrivilegeCheck set_user, super;
  BAMORT_RETURN_IF_ERROR(CheckPrivilegesOn(conn, database, {"SET USER"}, &set_user));
  BAMORT_RETURN_IF_ERROR(CheckPrivilegesOn(conn, database, {"SUPER"}, &super));
  if (set_user.missing.empty() || super.missing.empty()) return Status::Ok();
  missing->push_back("SET USER (the set's views, triggers or routines are defined by " + others + ")");
  return Status::Ok();
}

}  // namespace

Status CheckRestorePrivileges(Connection* conn, const std::string& database, const std::vector<std::string>& needed,
                              const std::set<std::string>& definers, std::string* unknown) {
  unknown->clear();
  PrivilegeCheck check;
  BAMORT_RETURN_IF_ERROR(CheckPrivilegesOn(conn, database, needed, &check).WithContext("reading the user's privileges"));
  if (check.known) BAMORT_RETURN_IF_ERROR(CheckDefiners(conn, database, definers, &check.missing));
  if (!check.known) {
    *unknown = "could not tell whether the user may run every statement of the restore (" + check.why_unknown +
               "); going on";
    return Status::Ok();
  }
  if (check.missing.empty()) return Status::Ok();
  std::string missing;
  for (const std::string& p : check.missing) missing += (missing.empty() ? "" : ", ") + p;
  return Status::Precondition("the database user lacks " + missing + " on `" + database +
                                  "`, which the restore's statements need; nothing was changed",
                              "grant them (the official MariaDB image gives its user ALL PRIVILEGES on the database, "
                              "which is enough: docs/CONFIGURATION.md, 'Privileges each job uses')");
}

}  // namespace bamort
