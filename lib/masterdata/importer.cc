#include "masterdata/importer.h"

#include <Poco/JSON/Array.h>

namespace bamort {

uint64_t ImportResult::TotalInFile() const {
  uint64_t n = 0;
  for (const auto& e : entities) n += e.in_file;
  return n;
}

Poco::JSON::Object::Ptr ImportResult::ToJson() const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("source", source);
  o->set("source_kind", source_kind);
  o->set("source_format", source_format);
  o->set("game_system", game_system);
  o->set("dry_run", dry_run);
  o->set("committed", committed);
  Poco::JSON::Array::Ptr ents = new Poco::JSON::Array();
  for (const auto& e : entities) {
    Poco::JSON::Object::Ptr x = new Poco::JSON::Object(true);
    x->set("name", e.name);
    x->set("table", e.table);
    x->set("in_file", e.in_file);
    x->set("inserted", e.inserted);
    x->set("updated", e.updated);
    x->set("unchanged", e.unchanged);
    x->set("only_in_database", e.only_in_database);
    x->set("pruned", e.pruned);
    ents->add(x);
  }
  o->set("entities", ents);
  Poco::JSON::Array::Ptr log = new Poco::JSON::Array();
  for (const auto& l : transform_log) log->add(l);
  o->set("transform_log", log);
  return o;
}

Status ImportMasterData(Connection* conn, const std::string& source, const ImportOptions& options,
                        ImportResult* result) {
  return Status::Failed("master-data import is not implemented yet (issue 6)");
}

}  // namespace bamort
