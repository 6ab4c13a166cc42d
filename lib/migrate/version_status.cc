#include "migrate/version_status.h"

#include <map>
#include <sstream>

#include <Poco/JSON/Array.h>

#include "build_info.h"
#include "common/clock.h"

namespace bamort {

namespace {

Poco::Dynamic::Var RecordJson(const std::optional<MigrationRecord>& r) {
  if (!r) return Poco::Dynamic::Var();
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("number", r->number);
  o->set("version", r->version);
  o->set("description", r->description);
  o->set("applied_at", r->applied_at);
  o->set("applied_by", r->applied_by);
  if (r->statements_total) o->set("statements_total", *r->statements_total);
  if (r->statements_done) o->set("statements_done", *r->statements_done);
  if (r->failed_statement) o->set("failed_statement", *r->failed_statement);
  if (r->error_errno) o->set("error_errno", *r->error_errno);
  o->set("error_message", r->error_message ? Poco::Dynamic::Var(*r->error_message) : Poco::Dynamic::Var());
  return o;
}

}  // namespace

Status ReadVersionStatus(Connection* conn, const std::vector<Migration>& migrations, VersionStatus* out) {
  VersionStore store(conn);
  BAMORT_RETURN_IF_ERROR(store.Read(&out->state));
  out->compat = AssessCompatibility(out->state, migrations);
  BAMORT_RETURN_IF_ERROR(FindLockHolder(conn, NamedLock::NameFor(conn->config().name), &out->lock_holder));
  if (out->compat.state == CompatState::kCompatible) {
    BAMORT_RETURN_IF_ERROR(ProveSchema(conn, *out->compat.actual_version, out->compat.actual_number, &out->schema));
    if (!out->schema.ok()) {
      out->compat.state = CompatState::kDrifted;
      out->compat.reason = "recorded at version " + *out->compat.actual_version + " but the schema differs: " +
                           out->schema.Summary(3);
    }
  }
  if (out->state.operation && out->lock_holder) {
    out->operation_in_progress = true;
    out->compat.reason = "the " + out->state.operation->Describe() + " is running right now (" +
                         out->lock_holder->Describe() + "); until it has finished the database is incomplete";
  } else if (out->state.dirty && out->lock_holder) {
    out->migration_in_progress = true;
    out->compat.reason = "migration " + std::to_string(out->state.dirty->number) + " is being applied right now (" +
                         out->lock_holder->Describe() + ")";
  }
  return Status::Ok();
}

Poco::JSON::Object::Ptr VersionStatusToJson(const VersionStatus& vs) {
  const Compatibility& c = vs.compat;
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("backend_version", std::string(kBackendVersion));
  o->set("required_db_version", c.required.ToString());
  o->set("actual_db_version", c.actual_version ? Poco::Dynamic::Var(*c.actual_version) : Poco::Dynamic::Var());
  o->set("migration_number", c.actual_number);
  o->set("state", std::string(CompatStateName(c.state)));
  o->set("compatible", c.state == CompatState::kCompatible);
  o->set("reason", c.reason);
  o->set("migration_in_progress", vs.migration_in_progress);
  o->set("operation_in_progress", vs.operation_in_progress);
  if (vs.state.operation) {
    const OperationMark& m = *vs.state.operation;
    Poco::JSON::Object::Ptr op = new Poco::JSON::Object(true);
    op->set("operation", m.operation.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(m.operation));
    op->set("detail", m.detail);
    op->set("started_at", m.started_at ? Poco::Dynamic::Var(FormatRfc3339(SystemTime(std::chrono::seconds(m.started_at))))
                                       : Poco::Dynamic::Var());
    op->set("started_by", m.started_by);
    op->set("run_id", m.run_id);
    op->set("running", vs.operation_in_progress);
    op->set("way_out", m.WayOut());
    o->set("unfinished_operation", op);
  } else {
    o->set("unfinished_operation", Poco::Dynamic::Var());
  }
  o->set("layout", vs.state.layout);
  o->set("version_tables", vs.state.has_tracking ? (vs.state.gorm_baseline ? "gorm-baseline" : "present") : "absent");
  Poco::JSON::Array::Ptr pending = new Poco::JSON::Array();
  for (const Migration* m : c.pending) {
    Poco::JSON::Object::Ptr p = new Poco::JSON::Object(true);
    p->set("number", m->number);
    p->set("version", m->version.ToString());
    p->set("description", m->description);
    pending->add(p);
  }
  o->set("pending_count", static_cast<int>(c.pending.size()));
  o->set("pending", pending);
  std::optional<MigrationRecord> last;
  if (!vs.state.applied.empty()) last = vs.state.applied.back();
  o->set("last_migration", RecordJson(last));
  o->set("dirty", RecordJson(vs.state.dirty));
  Poco::JSON::Array::Ptr drift = new Poco::JSON::Array();
  for (const std::string& d : c.checksum_drift) drift->add(d);
  o->set("checksum_drift", drift);
  Poco::JSON::Object::Ptr schema = new Poco::JSON::Object(true);
  schema->set("checked", vs.schema.checked);
  schema->set("expected_version", vs.schema.checked ? Poco::Dynamic::Var(vs.schema.version) : Poco::Dynamic::Var());
  Poco::JSON::Array::Ptr differences = new Poco::JSON::Array();
  for (const SchemaFinding& f : vs.schema.failing) differences->add(f.Describe());
  schema->set("differences", differences);
  schema->set("leftovers", static_cast<uint64_t>(vs.schema.warnings.size()));
  o->set("schema_check", schema);
  if (vs.lock_holder) {
    Poco::JSON::Object::Ptr h = new Poco::JSON::Object(true);
    h->set("connection_id", vs.lock_holder->connection_id);
    h->set("user", vs.lock_holder->user);
    h->set("client_address", vs.lock_holder->client_address);
    h->set("state", vs.lock_holder->state);
    h->set("seconds_in_state", vs.lock_holder->seconds_in_state);
    h->set("description", vs.lock_holder->Describe());
    o->set("lock_holder", h);
  } else {
    o->set("lock_holder", Poco::Dynamic::Var());
  }
  return o;
}

std::string VersionStatusToText(const VersionStatus& vs, const std::string& database) {
  const Compatibility& c = vs.compat;
  std::ostringstream out;
  auto line = [&](const std::string& k, const std::string& v) {
    std::string key = k + ":";
    key.resize(22, ' ');
    out << key << v << "\n";
  };
  line("database", database + " (" + vs.state.layout + " layout, " + std::to_string(vs.state.table_count) + " tables)");
  line("backend version", kBackendVersion);
  line("required DB version", c.required.ToString());
  line("actual DB version", (c.actual_version ? *c.actual_version : std::string("none")) + " (migration " +
                                std::to_string(c.actual_number) + ")");
  line("state", std::string(CompatStateName(c.state)) + ": " + c.reason);
  if (vs.state.operation) {
    line("unfinished", vs.state.operation->Describe());
    line("way out", vs.operation_in_progress ? "wait for it to finish, then run bamort-status again"
                                             : vs.state.operation->WayOut());
  }
  line("pending", std::to_string(c.pending.size()) + " migration(s)");
  for (const Migration* m : c.pending) {
    out << "  " << m->number << "  " << m->version.ToString() << "  " << m->description << "\n";
  }
  if (!vs.state.applied.empty()) {
    const MigrationRecord& r = vs.state.applied.back();
    line("last migration", std::to_string(r.number) + " (" + r.version + ") " + r.description);
  } else {
    line("last migration", vs.state.gorm_baseline ? "none recorded by this tool (version tables made by Bamort)" : "none");
  }
  if (vs.state.dirty) {
    const MigrationRecord& d = *vs.state.dirty;
    line("dirty", "migration " + std::to_string(d.number) + ", " + std::to_string(d.statements_done.value_or(0)) +
                      " of " + std::to_string(d.statements_total.value_or(0)) + " statements committed");
    if (d.failed_statement) line("failed statement", SqlForMessage(*d.failed_statement));
    if (d.error_message) {
      line("error", *d.error_message + (d.error_errno ? " (errno " + std::to_string(*d.error_errno) + ")" : ""));
    }
  }
  line("checksum drift", c.checksum_drift.empty() ? "none" : std::to_string(c.checksum_drift.size()) + " file(s)");
  for (const std::string& d : c.checksum_drift) out << "  " << d << "\n";
  if (vs.schema.checked) {
    line("schema", vs.schema.ok() ? "matches the expected schema of " + vs.schema.version +
                                        (vs.schema.warnings.empty()
                                             ? std::string()
                                             : " (" + std::to_string(vs.schema.warnings.size()) +
                                                   " leftover object(s) tolerated, see bamort-validate)")
                                  : std::to_string(vs.schema.failing.size()) + " difference(s) from " +
                                        vs.schema.version);
    for (const SchemaFinding& f : vs.schema.failing) out << "  " << f.Describe() << "\n";
  }
  line("deployment lock", vs.lock_holder ? "held by " + vs.lock_holder->Describe() : "free");
  return out.str();
}

std::string VersionStatusHint(const VersionStatus& vs) {
  if (vs.state.operation) {
    return vs.operation_in_progress ? "wait for the running " + vs.state.operation->operation + " to finish"
                                    : vs.state.operation->WayOut();
  }
  if (vs.compat.state == CompatState::kBehind) return "run bamort-migrate";
  return "";
}

std::vector<HistoryEntry> MigrationHistory(const VersionStatus& vs, const std::vector<Migration>& migrations) {
  std::map<int64_t, const MigrationRecord*> recorded;
  for (const MigrationRecord& r : vs.state.applied) recorded[r.number] = &r;
  if (vs.state.dirty) recorded[vs.state.dirty->number] = &*vs.state.dirty;
  std::vector<HistoryEntry> out;
  auto fill_from = [](const MigrationRecord& r, HistoryEntry* e) {
    e->applied_at = r.applied_at;
    e->applied_by = r.applied_by;
  };
  for (const Migration& m : migrations) {
    HistoryEntry e{m.number, m.version.ToString(), m.description, "pending", std::nullopt, "", ""};
    auto it = recorded.find(m.number);
    if (it != recorded.end()) {
      const MigrationRecord& r = *it->second;
      e.state = r.success ? "applied" : "dirty";
      fill_from(r, &e);
      if (r.checksum && !r.checksum->empty()) e.checksum = *r.checksum == m.checksum ? "ok" : "changed";
      recorded.erase(it);
    } else if (vs.state.gorm_baseline && m.number <= vs.state.migration_number) {
      e.state = "baseline";
    }
    out.push_back(std::move(e));
  }
  // Recorded by a newer build: this one does not know them.
  for (const auto& [number, r] : recorded) {
    HistoryEntry e{number, r->version, r->description, r->success ? "unknown (applied)" : "unknown (dirty)",
                   std::nullopt, "", ""};
    fill_from(*r, &e);
    out.push_back(std::move(e));
  }
  return out;
}

Poco::JSON::Array::Ptr MigrationHistoryToJson(const std::vector<HistoryEntry>& history) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
  for (const HistoryEntry& e : history) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
    o->set("number", e.number);
    o->set("version", e.version);
    o->set("description", e.description);
    o->set("state", e.state);
    o->set("applied_at", e.applied_at ? Poco::Dynamic::Var(FormatRfc3339(SystemTime(std::chrono::seconds(*e.applied_at))))
                                      : Poco::Dynamic::Var());
    o->set("applied_by", e.applied_by.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(e.applied_by));
    o->set("checksum", e.checksum.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(e.checksum));
    a->add(o);
  }
  return a;
}

std::string MigrationHistoryToText(const std::vector<HistoryEntry>& history) {
  std::ostringstream out;
  auto cell = [](std::string v, size_t width) {
    if (v.size() > width) v = v.substr(0, width - 3) + "...";
    v.resize(width, ' ');
    return v;
  };
  out << cell("#", 5) << cell("VERSION", 9) << cell("STATE", 19) << cell("APPLIED AT", 22) << cell("CHECKSUM", 9)
      << "DESCRIPTION\n";
  for (const HistoryEntry& e : history) {
    out << cell(std::to_string(e.number), 5) << cell(e.version, 9) << cell(e.state, 19)
        << cell(e.applied_at ? FormatRfc3339(SystemTime(std::chrono::seconds(*e.applied_at))) : "", 22)
        << cell(e.checksum.empty() ? "-" : e.checksum, 9) << e.description << "\n";
  }
  return out.str();
}

}  // namespace bamort
