#include "backup/json_export.h"

#include <memory>
#include <sstream>
#include <vector>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/json_text.h"
#include "db/multi_row_insert.h"
#include "db/operation_mark.h"

namespace bamort {

namespace {

constexpr const char* kFormat = "bamort-json-export";

std::string Base64(const std::string& in) {
  std::ostringstream ss;
  Poco::Base64Encoder enc(ss);
  enc.rdbuf()->setLineLength(0);
  enc << in;
  enc.close();
  return ss.str();
}

Status Unbase64(const std::string& in, std::string* out) {
  try {
    std::istringstream ss(in);
    Poco::Base64Decoder dec(ss);
    std::ostringstream o;
    o << dec.rdbuf();
    *out = o.str();
  } catch (const Poco::Exception& e) {
    return Status::BadInput("bad base64 value: " + e.displayText());
  }
  return Status::Ok();
}

std::string Quoted(const std::string& s) { return JsonQuote(s); }

// The state of an import between lines.
struct ImportState {
  Connection* conn;
  std::string path;
  std::string table;
  std::vector<bool> base64;
  std::unique_ptr<MultiRowInsert> insert;
  uint64_t line_no = 0;
  bool header_seen = false;
  bool trailer_seen = false;
  const std::function<void(const std::string&, uint64_t)>* on_table;
  std::vector<std::pair<std::string, std::string>> views;  // name, CREATE VIEW; created last
};

// The export lists views by name, but a view may select from a view whose name sorts
// later: each round creates the views whose dependencies exist (a missing one is error
// 1146, "doesn't exist"), until all are there or a round makes no progress (then its
// first error is the answer: a view on something the export lacks).
Status CreateViewsInDependencyOrder(Connection* conn, std::vector<std::pair<std::string, std::string>> views) {
  constexpr unsigned kNoSuchTable = 1146;
  while (!views.empty()) {
    std::vector<std::pair<std::string, std::string>> later;
    Status first_error;
    for (auto& view : views) {
      Status s = conn->Execute(view.second);
      if (s.ok()) continue;
      if (s.db_errno() != kNoSuchTable) return s.WithContext("view " + view.first);
      if (first_error.ok()) first_error = s.WithContext("view " + view.first);
      later.push_back(std::move(view));
    }
    if (later.size() == views.size()) return first_error;
    views = std::move(later);
  }
  return Status::Ok();
}

// A row line: [v1, v2, ...] for the table started last.
Status ImportRow(ImportState* st, const Poco::JSON::Array::Ptr& a, const std::string& where) {
  if (!st->insert) return Status::BadInput(where + ": a row outside a table");
  if (a->size() != st->base64.size()) {
    return Status::BadInput(where + ": " + std::to_string(a->size()) + " values for " +
                            std::to_string(st->base64.size()) + " columns of " + st->table);
  }
  std::vector<Value> values(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    Poco::Dynamic::Var x = a->get(static_cast<unsigned>(i));
    if (x.isEmpty()) continue;
    std::string s = x.extract<std::string>();
    if (st->base64[i]) {
      std::string raw;
      BAMORT_RETURN_IF_ERROR(Unbase64(s, &raw).WithContext(where));
      values[i] = std::move(raw);
    } else {
      values[i] = std::move(s);
    }
  }
  return st->insert->Add(values).WithContext("table " + st->table);
}

// {"table":..,"create":..,"columns":[..]}: creates the table and starts its inserts.
Status ImportTableStart(ImportState* st, const Poco::JSON::Object::Ptr& o, const std::string& where) {
  if (st->insert) return Status::BadInput(where + ": table started before the end of table " + st->table);
  st->table = o->getValue<std::string>("table");
  BAMORT_RETURN_IF_ERROR(st->conn->Execute(o->getValue<std::string>("create")));
  Poco::JSON::Array::Ptr cols = o->getArray("columns");
  std::vector<std::string> names;
  st->base64.clear();
  for (size_t i = 0; i < cols->size(); ++i) {
    Poco::JSON::Object::Ptr c = cols->getObject(static_cast<unsigned>(i));
    names.push_back(c->getValue<std::string>("name"));
    st->base64.push_back(c->getValue<std::string>("encoding") == "base64");
  }
  st->insert = std::make_unique<MultiRowInsert>(st->conn, st->table, names);
  return Status::Ok();
}

// {"end":..,"rows":N}: the last inserts, and the row count against the export's.
Status ImportTableEnd(ImportState* st, const Poco::JSON::Object::Ptr& o, const std::string& where) {
  if (!st->insert || o->getValue<std::string>("end") != st->table) {
    return Status::BadInput(where + ": end of a table that was not started");
  }
  BAMORT_RETURN_IF_ERROR(st->insert->Finish().WithContext("table " + st->table));
  uint64_t expected = o->getValue<uint64_t>("rows");
  if (st->insert->rows_written() != expected) {
    return Status::BadInput(where + ": table " + st->table + " has " + std::to_string(st->insert->rows_written()) +
                            " rows in the export, its end line says " + std::to_string(expected));
  }
  if (*st->on_table) (*st->on_table)(st->table, expected);
  st->insert.reset();
  return Status::Ok();
}

// Any line but a row: the header, a table's start or end, a view, the trailer.
Status ImportObjectLine(ImportState* st, const Poco::JSON::Object::Ptr& o, const std::string& where) {
  if (!st->header_seen) {
    if (o->optValue<std::string>("format", "") != kFormat || o->optValue<int>("format_version", 0) != 1) {
      return Status::BadInput(where + ": not a bamort JSON export (format_version 1)");
    }
    st->header_seen = true;
    return Status::Ok();
  }
  if (o->has("table")) return ImportTableStart(st, o, where);
  if (o->has("end")) return ImportTableEnd(st, o, where);
  if (o->has("view")) {
    st->views.emplace_back(o->getValue<std::string>("view"), o->getValue<std::string>("create"));
    return Status::Ok();
  }
  if (o->has("end_of_export")) {
    st->trailer_seen = true;
    return CreateViewsInDependencyOrder(st->conn, std::move(st->views));
  }
  return Status::BadInput(where + ": unknown line");
}

Status ImportLine(ImportState* st, std::string_view line) {
  ++st->line_no;
  std::string where = st->path + " line " + std::to_string(st->line_no);
  if (line.empty()) return Status::Ok();
  if (st->trailer_seen) return Status::BadInput(where + ": data after the end of the export");
  Poco::Dynamic::Var v;
  try {
    Poco::JSON::Parser parser;
    v = parser.parse(std::string(line));
  } catch (const Poco::Exception& e) {
    return Status::BadInput(where + ": not JSON (" + e.displayText() + ")");
  }
  try {
    if (v.type() == typeid(Poco::JSON::Array::Ptr)) return ImportRow(st, v.extract<Poco::JSON::Array::Ptr>(), where);
    return ImportObjectLine(st, v.extract<Poco::JSON::Object::Ptr>(), where);
  } catch (const Poco::Exception& e) {
    return Status::BadInput(where + ": malformed export line (" + e.displayText() + ")");
  }
}

}  // namespace

namespace {

Status RefuseSystemVersioned(Connection* conn, const std::string& database) {
  ResultSet versioned;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(database) + " AND TABLE_TYPE = 'SYSTEM VERSIONED' ORDER BY TABLE_NAME",
                                     &versioned));
  if (versioned.size() == 0) return Status::Ok();
  const std::string table = versioned.GetString(0, 0);
  return Status::Precondition(
      "table " + table + " is system-versioned (WITH SYSTEM VERSIONING" +
          (versioned.size() > 1 ? ", and " + std::to_string(versioned.size() - 1) + " more" : std::string()) +
          "): a backup set holds only the current rows, not the history, so it could not restore the table as it "
          "is; nothing was written",
      "if the history is not needed: ALTER TABLE " + Connection::QuoteIdentifier(table) +
          " DROP SYSTEM VERSIONING; else back the database up with mariadb-backup");
}

// The server writes a FLOAT (without decimals) with 6 significant digits, and so does
// mariadb-dump: 1234.567 comes back as 1234.57. Values that survive that text (1.5, 0.25)
// are fine; any other makes every restore of the set differ.
Status RefuseLossyFloats(Connection* conn, const std::string& database) {
  ResultSet cols;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c JOIN "
                                     "information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME) WHERE "
                                     "c.TABLE_SCHEMA = " + conn->Quote(database) +
                                         " AND c.DATA_TYPE = 'float' AND c.NUMERIC_SCALE IS NULL AND t.TABLE_TYPE = 'BASE TABLE' "
                                         "AND c.IS_GENERATED = 'NEVER' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
                                     &cols));
  for (size_t i = 0; i < cols.size(); ++i) {
    const std::string table = cols.GetString(i, 0), column = cols.GetString(i, 1);
    const std::string c = Connection::QuoteIdentifier(column);
    Value lossy;
    BAMORT_RETURN_IF_ERROR(conn->QueryValue("SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(database) + "." +
                                                Connection::QuoteIdentifier(table) + " WHERE NOT (" + c +
                                                " <=> CAST(CAST(" + c + " AS CHAR) AS FLOAT))",
                                            &lossy));
    if (!lossy || *lossy == "0") continue;
    return Status::Precondition(
        "table " + table + ", column " + column + ": " + *lossy + " FLOAT values have more significant digits than "
            "MariaDB writes into a dump (6: 1234.567 becomes 1234.57), so every restore of the set would change "
            "them; nothing was written",
        "store them exactly: ALTER TABLE " + Connection::QuoteIdentifier(table) + " MODIFY " + c +
            " DOUBLE (or FLOAT(M,D) with the decimals you need)");
  }
  return Status::Ok();
}

}  // namespace

Status CheckExportable(Connection* conn, const std::string& database) {
  BAMORT_RETURN_IF_ERROR(RefuseSystemVersioned(conn, database));
  return RefuseLossyFloats(conn, database);
}

Status ReadExportMeta(Connection* conn, ExportMeta* out) {
  const std::string db = conn->config().name;
  BAMORT_RETURN_IF_ERROR(CheckExportable(conn, db));
  ResultSet objects;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(db) + " ORDER BY TABLE_NAME",
                                     &objects));
  out->tables.clear();
  out->views.clear();
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string name = objects.GetString(i, 0);
    if (objects.GetString(i, 1) == "VIEW") {
      ResultSet create;
      BAMORT_RETURN_IF_ERROR(conn->Query("SHOW CREATE VIEW " + Connection::QuoteIdentifier(name), &create));
      out->views.emplace_back(name, create.GetString(0, 1));
      continue;
    }
    if (objects.GetString(i, 1) != "BASE TABLE" || IsOperationMarkTable(name)) continue;
    ExportTableMeta t;
    t.name = name;
    ResultSet create, cols, shape;
    BAMORT_RETURN_IF_ERROR(conn->Query("SHOW CREATE TABLE " + Connection::QuoteIdentifier(name), &create));
    t.create = create.GetString(0, 1);
    BAMORT_RETURN_IF_ERROR(conn->Query(
        "SELECT COLUMN_NAME, COLUMN_TYPE, EXTRA LIKE '%GENERATED%' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
            conn->Quote(db) + " AND TABLE_NAME = " + conn->Quote(name) + " ORDER BY ORDINAL_POSITION",
        &cols));
    // The protocol's column flags decide text or base64, as for any reader of the rows.
    BAMORT_RETURN_IF_ERROR(conn->Query("SELECT * FROM " + Connection::QuoteIdentifier(name) + " LIMIT 0", &shape));
    if (shape.columns.size() != cols.size()) return Status::Failed("table " + name + ": columns changed while reading them");
    for (size_t c = 0; c < cols.size(); ++c) {
      t.columns.push_back({cols.GetString(c, 0), cols.GetString(c, 1), shape.columns[c].is_binary,
                           cols.GetString(c, 2) == "1"});
    }
    out->tables.push_back(std::move(t));
  }
  return Status::Ok();
}

Status DumpJsonExporter::Open(const std::string& out_path, const std::string& database, const std::string& created_at,
                              const ExportMeta* meta,
                              const std::function<void(const std::string& table, uint64_t rows)>& on_table) {
  meta_ = meta;
  on_table_ = on_table;
  BAMORT_RETURN_IF_ERROR(out_.Open(out_path));
  return out_.Write("{\"format\":\"" + std::string(kFormat) + "\",\"format_version\":1,\"database\":" +
                    Quoted(database) + ",\"created_at\":" + Quoted(created_at) + "}\n");
}

Status DumpJsonExporter::OnTableStart(const std::string& table) {
  current_ = nullptr;
  for (const ExportTableMeta& t : meta_->tables) {
    if (t.name == table) current_ = &t;
  }
  if (!current_) return Status::Failed("the dump holds data of table " + table + ", which was not there before it");
  std::string header = "{\"table\":" + Quoted(table) + ",\"create\":" + Quoted(current_->create) + ",\"columns\":[";
  bool first = true;
  for (const ExportColumn& c : current_->columns) {
    if (c.generated) continue;
    if (!first) header += ",";
    first = false;
    header += "{\"name\":" + Quoted(c.name) + ",\"type\":" + Quoted(c.type) + ",\"encoding\":\"" +
              (c.binary ? "base64" : "text") + "\"}";
  }
  header += "]}\n";
  return out_.Write(header);
}

Status DumpJsonExporter::OnRow(const std::string& table, const std::vector<std::optional<std::string>>& values) {
  if (values.size() != current_->columns.size()) {
    return Status::Failed("the dump has " + std::to_string(values.size()) + " values in a row of table " + table +
                          ", which has " + std::to_string(current_->columns.size()) + " columns");
  }
  line_.clear();
  line_.push_back('[');
  bool first = true;
  for (size_t i = 0; i < values.size(); ++i) {
    const ExportColumn& c = current_->columns[i];
    if (c.generated) continue;
    if (!first) line_.push_back(',');
    first = false;
    if (!values[i]) {
      line_ += "null";
    } else {
      line_.push_back('"');
      if (c.binary) line_ += Base64(*values[i]);
      else AppendJsonEscaped(*values[i], &line_);
      line_.push_back('"');
    }
  }
  line_ += "]\n";
  return out_.Write(line_);
}

Status DumpJsonExporter::OnTableEnd(const std::string& table, uint64_t rows) {
  rows_[table] = rows;
  total_rows_ += rows;
  if (on_table_) on_table_(table, rows);
  return out_.Write("{\"end\":" + Quoted(table) + ",\"rows\":" + std::to_string(rows) + "}\n");
}

Status DumpJsonExporter::Finish(JsonExportResult* result) {
  for (const ExportTableMeta& t : meta_->tables) {
    if (!rows_.count(t.name)) return Status::Failed("the dump holds no data section for table " + t.name);
  }
  for (const auto& [name, create] : meta_->views) {
    BAMORT_RETURN_IF_ERROR(out_.Write("{\"view\":" + Quoted(name) + ",\"create\":" + Quoted(create) + "}\n"));
  }
  BAMORT_RETURN_IF_ERROR(out_.Write("{\"end_of_export\":true,\"tables\":" + std::to_string(rows_.size()) +
                                    ",\"rows\":" + std::to_string(total_rows_) + "}\n"));
  BAMORT_RETURN_IF_ERROR(out_.Finish());
  result->rows = rows_;
  result->json_bytes = out_.uncompressed_bytes();
  result->gzip_bytes = out_.compressed_bytes();
  result->sha256 = out_.sha256();
  return Status::Ok();
}

Status ImportJson(Connection* conn, const std::string& path,
                  const std::function<void(const std::string& table, uint64_t rows)>& on_table) {
  ImportState st;
  st.conn = conn;
  st.path = path;
  st.on_table = &on_table;
  BAMORT_RETURN_IF_ERROR(ReadGzipLines(path, [&](std::string_view line) { return ImportLine(&st, line); }));
  if (!st.header_seen || !st.trailer_seen) {
    return Status::BadInput(path + " ends before the end of the export (truncated)");
  }
  return Status::Ok();
}

}  // namespace bamort
