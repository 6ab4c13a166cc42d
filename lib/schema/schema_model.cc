#include "schema/schema_model.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

namespace bamort {

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

Poco::JSON::Array::Ptr Strings(const std::vector<std::string>& v) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
  for (const auto& s : v) a->add(s);
  return a;
}

std::vector<std::string> ReadStrings(const Poco::JSON::Array::Ptr& a) {
  std::vector<std::string> out;
  if (!a) return out;
  for (const auto& v : *a) out.push_back(v.toString());
  return out;
}

template <typename T>
const T* FindByName(const std::vector<T>& items, const std::string& name) {
  for (const T& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

}  // namespace

std::string ColumnSpec::Describe() const {
  std::string s = type + (nullable ? " NULL" : " NOT NULL");
  if (default_value) s += " DEFAULT " + *default_value;
  if (!extra.empty()) s += " " + extra;
  return s;
}

std::string IndexSpec::Describe() const { return std::string(unique ? "UNIQUE " : "") + "(" + Join(columns) + ")"; }

std::string ForeignKeySpec::Describe() const {
  return "(" + Join(columns) + ") -> " + ref_table + " (" + Join(ref_columns) + ") ON UPDATE " + on_update +
         " ON DELETE " + on_delete;
}

const ColumnSpec* TableSpec::FindColumn(const std::string& n) const { return FindByName(columns, n); }
const IndexSpec* TableSpec::FindIndex(const std::string& n) const { return FindByName(indexes, n); }
const ForeignKeySpec* TableSpec::FindForeignKey(const std::string& n) const { return FindByName(foreign_keys, n); }
const TableSpec* SchemaSpec::FindTable(const std::string& n) const { return FindByName(tables, n); }

Poco::JSON::Object::Ptr SchemaSpec::ToJson() const {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object(true);
  root->set("version", version);
  root->set("migration_number", migration_number);
  Poco::JSON::Array::Ptr tables_json = new Poco::JSON::Array();
  for (const TableSpec& t : tables) {
    Poco::JSON::Object::Ptr tj = new Poco::JSON::Object(true);
    tj->set("name", t.name);
    Poco::JSON::Array::Ptr cols = new Poco::JSON::Array();
    for (const ColumnSpec& c : t.columns) {
      Poco::JSON::Object::Ptr cj = new Poco::JSON::Object(true);
      cj->set("name", c.name);
      cj->set("type", c.type);
      cj->set("nullable", c.nullable);
      cj->set("default", c.default_value ? Poco::Dynamic::Var(*c.default_value) : Poco::Dynamic::Var());
      cj->set("extra", c.extra);
      cols->add(cj);
    }
    tj->set("columns", cols);
    Poco::JSON::Array::Ptr idx = new Poco::JSON::Array();
    for (const IndexSpec& i : t.indexes) {
      Poco::JSON::Object::Ptr ij = new Poco::JSON::Object(true);
      ij->set("name", i.name);
      ij->set("columns", Strings(i.columns));
      ij->set("unique", i.unique);
      idx->add(ij);
    }
    tj->set("indexes", idx);
    Poco::JSON::Array::Ptr fks = new Poco::JSON::Array();
    for (const ForeignKeySpec& f : t.foreign_keys) {
      Poco::JSON::Object::Ptr fj = new Poco::JSON::Object(true);
      fj->set("name", f.name);
      fj->set("columns", Strings(f.columns));
      fj->set("ref_table", f.ref_table);
      fj->set("ref_columns", Strings(f.ref_columns));
      fj->set("on_update", f.on_update);
      fj->set("on_delete", f.on_delete);
      fks->add(fj);
    }
    tj->set("foreign_keys", fks);
    tables_json->add(tj);
  }
  root->set("tables", tables_json);
  return root;
}

std::string SchemaSpec::ToJsonText() const {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(ToJson(), out, 2);
  out << "\n";
  return out.str();
}

Status SchemaSpec::FromJson(const std::string& text, const std::string& source, SchemaSpec* out) {
  try {
    Poco::JSON::Object::Ptr root = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    SchemaSpec spec;
    spec.version = root->getValue<std::string>("version");
    spec.migration_number = root->getValue<int64_t>("migration_number");
    for (const auto& tv : *root->getArray("tables")) {
      Poco::JSON::Object::Ptr tj = tv.extract<Poco::JSON::Object::Ptr>();
      TableSpec t;
      t.name = tj->getValue<std::string>("name");
      for (const auto& cv : *tj->getArray("columns")) {
        Poco::JSON::Object::Ptr cj = cv.extract<Poco::JSON::Object::Ptr>();
        ColumnSpec c;
        c.name = cj->getValue<std::string>("name");
        c.type = cj->getValue<std::string>("type");
        c.nullable = cj->getValue<bool>("nullable");
        if (!cj->isNull("default")) c.default_value = cj->getValue<std::string>("default");
        c.extra = cj->getValue<std::string>("extra");
        t.columns.push_back(c);
      }
      for (const auto& iv : *tj->getArray("indexes")) {
        Poco::JSON::Object::Ptr ij = iv.extract<Poco::JSON::Object::Ptr>();
        t.indexes.push_back({ij->getValue<std::string>("name"), ReadStrings(ij->getArray("columns")),
                             ij->getValue<bool>("unique")});
      }
      for (const auto& fv : *tj->getArray("foreign_keys")) {
        Poco::JSON::Object::Ptr fj = fv.extract<Poco::JSON::Object::Ptr>();
        t.foreign_keys.push_back({fj->getValue<std::string>("name"), ReadStrings(fj->getArray("columns")),
                                  fj->getValue<std::string>("ref_table"), ReadStrings(fj->getArray("ref_columns")),
                                  fj->getValue<std::string>("on_update"), fj->getValue<std::string>("on_delete")});
      }
      spec.tables.push_back(std::move(t));
    }
    *out = std::move(spec);
  } catch (const Poco::Exception& e) {
    return Status::BadInput(source + ": not a schema description: " + e.displayText());
  }
  return Status::Ok();
}

}  // namespace bamort
