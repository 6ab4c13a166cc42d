#include "health/health_snapshot.h"

#include <sstream>

#include <Poco/JSON/Array.h>

#include "build_info.h"
#include "db/connection.h"

namespace bamort {

namespace {

Poco::Dynamic::Var OptionalString(const std::optional<std::string>& s) {
  return s ? Poco::Dynamic::Var(*s) : Poco::Dynamic::Var();
}

Poco::Dynamic::Var LastMigrationJson(const std::optional<LastMigrationInfo>& m) {
  if (!m) return Poco::Dynamic::Var();
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("number", m->number);
  o->set("description", m->description);
  o->set("applied_at", m->applied_at);
  return o;
}

// Prometheus label values: backslash, double quote and newline escaped.
std::string LabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

HealthSnapshot SnapshotFromVersionStatus(const VersionStatus& vs, int64_t total_migrations_available) {
  HealthSnapshot s;
  const Compatibility& c = vs.compat;
  s.reachable = true;
  s.state = CompatStateName(c.state);
  s.reason = c.reason;
  if (c.state == CompatState::kDirty && vs.state.dirty && !vs.migration_in_progress) {
    // The endpoint is public; the stored server message can quote data ("Duplicate entry
    // 'x'"), so only the migration and the errno leave the house. bamort-status has all.
    const MigrationRecord& d = *vs.state.dirty;
    s.reason = "migration " + std::to_string(d.number) + " (" + d.description + ") did not finish" +
               (d.error_errno ? " (MariaDB error " + std::to_string(*d.error_errno) + ")" : "") +
               "; see bamort-status";
  }
  if (vs.state.operation) {
    // Public endpoint: the set's path and the admin user's name stay in bamort-status.
    const std::string& op = vs.state.operation->operation;
    s.reason = std::string(op == "init" ? "an init" : op == "restore" ? "a restore" : "a restore or init") +
               " has not finished (" +
               (vs.operation_in_progress ? "running right now" : "killed or failed") +
               "): the database is incomplete; see bamort-status";
  }
  if (c.state == CompatState::kDrifted) {
    s.reason = "the schema does not match version " + vs.schema.version + " (" +
               std::to_string(vs.schema.failing.size()) + " difference(s)); see bamort-status";
  }
  s.backend_version = kBackendVersion;
  s.required_db_version = c.required.ToString();
  s.actual_db_version = c.actual_version;
  s.migration_number = c.actual_number;
  for (const Migration* m : c.pending) s.pending.push_back({m->number, m->version.ToString(), m->description});
  if (!vs.state.applied.empty()) {
    const MigrationRecord& r = vs.state.applied.back();
    s.last_migration = LastMigrationInfo{r.number, r.description, r.applied_at};
  }
  s.dirty = vs.state.dirty.has_value();
  s.migration_in_progress = vs.migration_in_progress;
  s.total_migrations_available = total_migrations_available;
  s.read_at = std::chrono::system_clock::now();
  return s;
}

std::string UnreachableReason(const Status& error) {
  unsigned e = error.db_errno();
  std::string what;
  switch (e) {
    case dberr::kAccessDenied: what = "database refused the login"; break;
    case dberr::kUnknownDatabase: what = "database does not exist"; break;
    case 0: what = "database unreachable"; break;
    default:
      what = (e >= 2000 && e < 3000) ? "database unreachable" : "database state could not be read";
  }
  if (e != 0) what += " (MariaDB error " + std::to_string(e) + ")";
  return what;
}

HealthSnapshot UnreachableSnapshot(const Status& error, const std::string& required_db_version,
                                   int64_t total_migrations_available) {
  HealthSnapshot s;
  s.reachable = false;
  s.state = "unreachable";
  s.reason = UnreachableReason(error);
  s.backend_version = kBackendVersion;
  s.required_db_version = required_db_version;
  s.total_migrations_available = total_migrations_available;
  s.read_at = std::chrono::system_clock::now();
  return s;
}

const char* HealthStatusWord(const HealthSnapshot& s) {
  if (!s.reachable) return "error";
  if (s.state == "compatible") return "ok";
  if (s.state == "behind") return "warning";
  return "error";
}

int HealthHttpStatus(const HealthSnapshot& s) { return std::string(HealthStatusWord(s)) == "error" ? 503 : 200; }

Poco::JSON::Object::Ptr HealthJson(const HealthSnapshot& s, SystemTime now) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  bool compatible = s.reachable && s.state == "compatible";
  o->set("status", std::string(HealthStatusWord(s)));
  // The state bamort-status judged (CompatStateName) or "unreachable": the banner's word.
  o->set("state", s.state);
  o->set("backend_version", s.backend_version);
  o->set("required_db_version", s.required_db_version);
  o->set("actual_db_version", OptionalString(s.actual_db_version));
  // Unknown while the database cannot be read: null, not a guess.
  if (s.reachable) {
    o->set("migrations_pending", !s.pending.empty());
    o->set("pending_count", static_cast<int64_t>(s.pending.size()));
  } else {
    o->set("migrations_pending", Poco::Dynamic::Var());
    o->set("pending_count", Poco::Dynamic::Var());
  }
  Poco::JSON::Array::Ptr pending = new Poco::JSON::Array();
  for (const PendingMigrationInfo& p : s.pending) {
    Poco::JSON::Object::Ptr m = new Poco::JSON::Object(true);
    m->set("number", p.number);
    m->set("description", p.description);
    pending->add(m);
  }
  o->set("pending_migrations", pending);
  o->set("compatible", compatible);
  o->set("migration_needed", s.reachable && s.state == "behind");
  o->set("compatibility_reason", s.reason);
  o->set("last_migration", LastMigrationJson(s.last_migration));
  o->set("timestamp", FormatRfc3339(now));
  return o;
}

Poco::JSON::Object::Ptr VersionJson(const HealthSnapshot& s) {
  Poco::JSON::Object::Ptr backend = new Poco::JSON::Object(true);
  backend->set("version", s.backend_version);
  backend->set("commit_hash", std::string(kGitCommit));
  backend->set("build_date", std::string(kBuildDate));
  backend->set("compiler", std::string(kCompiler));
  Poco::JSON::Object::Ptr database = new Poco::JSON::Object(true);
  database->set("version", OptionalString(s.actual_db_version));
  database->set("migration_number", s.reachable ? Poco::Dynamic::Var(s.migration_number) : Poco::Dynamic::Var());
  database->set("last_migration", LastMigrationJson(s.last_migration));
  database->set("total_migrations_available", s.total_migrations_available);
  Poco::JSON::Object::Ptr compat = new Poco::JSON::Object(true);
  compat->set("compatible", s.reachable && s.state == "compatible");
  compat->set("reason", s.reason);
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("backend", backend);
  o->set("database", database);
  o->set("compatibility", compat);
  return o;
}

std::string MetricsText(const HealthSnapshot& s, const ServerCounters& counters) {
  std::ostringstream out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  head("bamort_db_up", "gauge", "1 when the database state could be read at the last refresh, else 0.");
  out << "bamort_db_up " << (s.reachable ? 1 : 0) << "\n";
  head("bamort_db_version_info", "gauge", "The database's schema version (label); absent while unknown.");
  if (s.actual_db_version) out << "bamort_db_version_info{version=\"" << LabelValue(*s.actual_db_version) << "\"} 1\n";
  head("bamort_required_db_version_info", "gauge", "The schema version this backend build requires (label).");
  out << "bamort_required_db_version_info{version=\"" << LabelValue(s.required_db_version) << "\"} 1\n";
  head("bamort_migration_number", "gauge", "Number of the last migration applied to the database.");
  if (s.reachable) out << "bamort_migration_number " << s.migration_number << "\n";
  head("bamort_migrations_pending", "gauge", "Migrations this build would apply; absent while unknown.");
  if (s.reachable) out << "bamort_migrations_pending " << s.pending.size() << "\n";
  head("bamort_compatibility_status", "gauge", "1 when the database fits this backend exactly, else 0.");
  out << "bamort_compatibility_status " << (s.reachable && s.state == "compatible" ? 1 : 0) << "\n";
  head("bamort_db_dirty", "gauge", "1 when a migration failed halfway (or is running right now), else 0.");
  if (s.reachable) out << "bamort_db_dirty " << (s.dirty ? 1 : 0) << "\n";
  if (s.backups_checked) {
    head("bamort_last_backup_timestamp_seconds", "gauge",
         "created_at of the newest backup set of this database in --backups-dir (Unix seconds).");
    if (s.last_backup) out << "bamort_last_backup_timestamp_seconds " << s.last_backup->created_at << "\n";
    head("bamort_last_backup_verified", "gauge", "1 when the newest backup set was verified by a test restore.");
    if (s.last_backup) out << "bamort_last_backup_verified " << (s.last_backup->verified ? 1 : 0) << "\n";
  }
  head("bamort_build_info", "gauge", "Versions and commit of this build (labels).");
  out << "bamort_build_info{backend_version=\"" << LabelValue(s.backend_version) << "\",tool_version=\""
      << LabelValue(kToolVersion) << "\",commit=\"" << LabelValue(kGitCommit) << "\"} 1\n";
  head("bamort_health_state_timestamp_seconds", "gauge", "When the database state was last read (Unix seconds).");
  out << "bamort_health_state_timestamp_seconds " << UnixSeconds(s.read_at) << "\n";
  head("bamort_health_db_reads_total", "counter", "Reads of the database state by this server (one per refresh at most).");
  out << "bamort_health_db_reads_total " << counters.db_reads << "\n";
  head("bamort_health_rate_limited_total", "counter", "Requests answered 429 by the per-client rate limit.");
  out << "bamort_health_rate_limited_total " << counters.rate_limited << "\n";
  head("bamort_health_rate_limit_clients", "gauge", "Client addresses in the rate limiter's table (bounded).");
  out << "bamort_health_rate_limit_clients " << counters.rate_limit_clients << "\n";
  head("bamort_health_connections_open", "gauge", "Client connections this server holds (bounded by --max-connections).");
  out << "bamort_health_connections_open " << counters.connections_open << "\n";
  head("bamort_health_connections_closed_early_total", "counter",
       "Connections closed before a request was answered: to make room for newer ones, refused, or the request head "
       "did not arrive within --header-timeout.");
  out << "bamort_health_connections_closed_early_total " << counters.connections_closed_early << "\n";
  head("bamort_health_responses_total", "counter", "Responses sent by this server, by HTTP status.");
  for (const auto& [code, n] : counters.responses_by_status) {
    out << "bamort_health_responses_total{code=\"" << code << "\"} " << n << "\n";
  }
  return out.str();
}

}  // namespace bamort
