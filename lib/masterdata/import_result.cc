#include "masterdata/import_result.h"

#include <Poco/JSON/Array.h>

namespace bamort {

std::string ChangeShareExceeded::Describe() const {
  std::string what;
  if (would_update > 0) what = "update " + std::to_string(would_update);
  if (would_delete > 0) what += std::string(what.empty() ? "" : " and ") + "delete " + std::to_string(would_delete);
  uint64_t percent = rows == 0 ? 0 : ((would_update + would_delete) * 100 + rows / 2) / rows;
  return entity + " (" + table + ") would " + what + " of " + std::to_string(rows) + " rows (" +
         std::to_string(percent) + " %)";
}

uint64_t ImportResult::TotalInFile() const {
  uint64_t n = 0;
  for (const auto& e : entities) n += e.in_file;
  return n;
}

namespace {

Poco::JSON::Object::Ptr EntityJson(const EntityImportCounts& e) {
  Poco::JSON::Object::Ptr x = new Poco::JSON::Object(true);
  x->set("name", e.name);
  x->set("table", e.table);
  x->set("in_file", e.in_file);
  x->set("inserted", e.inserted);
  x->set("updated", e.updated);
  x->set("unchanged", e.unchanged);
  x->set("only_in_database", e.only_in_database);
  x->set("pruned", e.pruned);
  Poco::JSON::Array::Ptr changes = new Poco::JSON::Array();
  for (const FieldChange& c : e.changes) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
    o->set("key", c.key);
    o->set("field", c.field);
    o->set("old", c.old_value);
    o->set("new", c.new_value);
    changes->add(o);
  }
  x->set("changes", changes);
  return x;
}

Poco::JSON::Object::Ptr GuardJson(const ChangeGuardReport& g) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("checked", g.checked);
  o->set("max_change_percent", g.max_change_percent);
  o->set("min_rows", g.min_rows);
  o->set("allow_large_changes", g.allowed);
  Poco::JSON::Array::Ptr refused = new Poco::JSON::Array();
  for (const ChangeShareExceeded& x : g.exceeded) {
    Poco::JSON::Object::Ptr r = new Poco::JSON::Object(true);
    r->set("entity", x.entity);
    r->set("table", x.table);
    r->set("rows", x.rows);
    r->set("would_update", x.would_update);
    r->set("would_delete", x.would_delete);
    r->set("message", x.Describe());
    refused->add(r);
  }
  // "refused" when the guard stopped the import, "allowed" when the flag let them through.
  o->set(g.allowed ? "allowed" : "refused", refused);
  return o;
}

}  // namespace

Poco::JSON::Object::Ptr ImportResult::ToJson() const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("source", source);
  o->set("source_kind", source_kind);
  o->set("source_format", source_format);
  o->set("game_system", game_system);
  o->set("sample", sample);
  o->set("dry_run", dry_run);
  o->set("committed", committed);
  Poco::JSON::Array::Ptr ents = new Poco::JSON::Array();
  for (const auto& e : entities) ents->add(EntityJson(e));
  o->set("entities", ents);
  o->set("change_guard", GuardJson(change_guard));
  Poco::JSON::Array::Ptr log = new Poco::JSON::Array();
  for (const auto& l : transform_log) log->add(l);
  o->set("transform_log", log);
  Poco::JSON::Object::Ptr timing = new Poco::JSON::Object(true);
  for (const auto& [phase, ms] : timing_ms) timing->set(phase, ms);
  o->set("timing_ms", timing);
  return o;
}

void PhaseClock::Lap(const std::string& phase) {
  auto now = std::chrono::steady_clock::now();
  uint64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count();
  last_ = now;
  for (auto& [name, total] : result_->timing_ms)
    if (name == phase) {
      total += ms;
      return;
    }
  result_->timing_ms.emplace_back(phase, ms);
}

}  // namespace bamort
