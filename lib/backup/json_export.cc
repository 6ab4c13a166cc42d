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

struct ColumnSpec {
  std::string name;
  std::string type;
};

Status ExportTable(Connection* conn, const std::string& table, GzipFileWriter* out, uint64_t* rows) {
  std::string db = conn->config().name;
  ResultSet cols;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " + conn->Quote(db) +
          " AND TABLE_NAME = " + conn->Quote(table) + " AND EXTRA NOT LIKE '%GENERATED%' ORDER BY ORDINAL_POSITION",
      &cols));
  ResultSet create;
  BAMORT_RETURN_IF_ERROR(conn->Query("SHOW CREATE TABLE " + Connection::QuoteIdentifier(table), &create));
  std::string select = "SELECT ";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) select += ", ";
    select += Connection::QuoteIdentifier(cols.GetString(i, 0));
  }
  select += " FROM " + Connection::QuoteIdentifier(table);
  ResultSet meta;
  BAMORT_RETURN_IF_ERROR(conn->Query(select + " LIMIT 0", &meta));
  std::vector<bool> binary;
  std::string header = "{\"table\":" + Quoted(table) + ",\"create\":" + Quoted(create.GetString(0, 1)) + ",\"columns\":[";
  for (size_t i = 0; i < meta.columns.size(); ++i) {
    binary.push_back(meta.columns[i].is_binary);
    if (i) header += ",";
    header += "{\"name\":" + Quoted(cols.GetString(i, 0)) + ",\"type\":" + Quoted(cols.GetString(i, 1)) +
              ",\"encoding\":\"" + (meta.columns[i].is_binary ? "base64" : "text") + "\"}";
  }
  header += "]}\n";
  BAMORT_RETURN_IF_ERROR(out->Write(header));
  uint64_t n = 0;
  std::string line;
  BAMORT_RETURN_IF_ERROR(conn->QueryEach(select, [&](const ResultSet&, const Row& row) {
    line.clear();
    line.push_back('[');
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line.push_back(',');
      if (!row[i]) {
        line += "null";
      } else {
        line.push_back('"');
        line += binary[i] ? Base64(*row[i]) : JsonEscape(*row[i]);
        line.push_back('"');
      }
    }
    line += "]\n";
    ++n;
    return out->Write(line);
  }));
  *rows = n;
  return out->Write("{\"end\":" + Quoted(table) + ",\"rows\":" + std::to_string(n) + "}\n");
}

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
};

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
    if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
      if (!st->insert) return Status::BadInput(where + ": a row outside a table");
      Poco::JSON::Array::Ptr a = v.extract<Poco::JSON::Array::Ptr>();
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
    Poco::JSON::Object::Ptr o = v.extract<Poco::JSON::Object::Ptr>();
    if (!st->header_seen) {
      if (o->optValue<std::string>("format", "") != kFormat || o->optValue<int>("format_version", 0) != 1) {
        return Status::BadInput(where + ": not a bamort JSON export (format_version 1)");
      }
      st->header_seen = true;
      return Status::Ok();
    }
    if (o->has("table")) {
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
    if (o->has("end")) {
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
    if (o->has("view")) return st->conn->Execute(o->getValue<std::string>("create"));
    if (o->has("end_of_export")) {
      st->trailer_seen = true;
      return Status::Ok();
    }
    return Status::BadInput(where + ": unknown line");
  } catch (const Poco::Exception& e) {
    return Status::BadInput(where + ": malformed export line (" + e.displayText() + ")");
  }
}

}  // namespace

Status ExportJson(Connection* conn, const std::string& out_path, const std::string& created_at,
                  const std::function<void(const std::string& table, uint64_t rows)>& on_table,
                  JsonExportResult* result) {
  const std::string db = conn->config().name;
  GzipFileWriter out;
  BAMORT_RETURN_IF_ERROR(out.Open(out_path));
  BAMORT_RETURN_IF_ERROR(out.Write("{\"format\":\"" + std::string(kFormat) + "\",\"format_version\":1,\"database\":" +
                                   Quoted(db) + ",\"created_at\":" + Quoted(created_at) + "}\n"));
  ResultSet tables;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         conn->Quote(db) + " ORDER BY TABLE_NAME",
                                     &tables));
  uint64_t total = 0, table_count = 0;
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables.GetString(i, 1) != "BASE TABLE") continue;
    std::string t = tables.GetString(i, 0);
    uint64_t rows = 0;
    BAMORT_RETURN_IF_ERROR(ExportTable(conn, t, &out, &rows).WithContext("exporting table " + t));
    result->rows[t] = rows;
    total += rows;
    ++table_count;
    if (on_table) on_table(t, rows);
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables.GetString(i, 1) != "VIEW") continue;
    std::string v = tables.GetString(i, 0);
    ResultSet create;
    BAMORT_RETURN_IF_ERROR(conn->Query("SHOW CREATE VIEW " + Connection::QuoteIdentifier(v), &create));
    BAMORT_RETURN_IF_ERROR(out.Write("{\"view\":" + Quoted(v) + ",\"create\":" + Quoted(create.GetString(0, 1)) + "}\n"));
  }
  BAMORT_RETURN_IF_ERROR(out.Write("{\"end_of_export\":true,\"tables\":" + std::to_string(table_count) +
                                   ",\"rows\":" + std::to_string(total) + "}\n"));
  BAMORT_RETURN_IF_ERROR(out.Finish());
  result->json_bytes = out.uncompressed_bytes();
  result->gzip_bytes = out.compressed_bytes();
  result->sha256 = out.sha256();
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
