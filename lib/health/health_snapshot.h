// HealthSnapshot: what bamort-health knows about the database at one moment, and the
// three answers made from it: the /api/system/health JSON, the /api/system/version JSON
// and the Prometheus text of /metrics. docs/HEALTH.md shows every field.
//
// A snapshot is a plain value made once per refresh (see health_cache.h) and then only
// read, so handler threads can share it without locks.
//
// Status rules: compatible -> "ok", HTTP 200; behind (migrations pending) -> "warning",
// HTTP 200; ahead, dirty or database unreachable -> "error", HTTP 503.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "migrate/version_status.h"
#include "common/clock.h"
#include "common/status.h"

namespace bamort {

struct PendingMigrationInfo {
  int64_t number = 0;
  std::string version;
  std::string description;
};

struct LastMigrationInfo {
  int64_t number = 0;
  std::string description;
  int64_t applied_at = 0;  // Unix seconds
};

struct LastBackupInfo {
  std::string set_name;
  int64_t created_at = 0;  // Unix seconds, from the manifest
  bool verified = false;
};

struct HealthSnapshot {
  bool reachable = false;
  // compatible, behind, ahead, dirty, drifted, restore_incomplete, init_incomplete
  // (CompatStateName) or "unreachable".
  std::string state = "unreachable";
  // Why, for people. For an unreachable database only the kind of failure and MariaDB's
  // error number: never a host name, user or password.
  std::string reason;
  std::string backend_version;
  std::string required_db_version;
  std::optional<std::string> actual_db_version;
  int64_t migration_number = 0;
  std::vector<PendingMigrationInfo> pending;
  std::optional<LastMigrationInfo> last_migration;
  bool dirty = false;
  bool migration_in_progress = false;
  int64_t total_migrations_available = 0;
  // Newest backup set of this database in --backups-dir; backups_checked is false when
  // no --backups-dir was given.
  bool backups_checked = false;
  std::optional<LastBackupInfo> last_backup;
  SystemTime read_at{};
};

// From a successful ReadVersionStatus.
HealthSnapshot SnapshotFromVersionStatus(const VersionStatus& vs, int64_t total_migrations_available);
// The database could not be read: error is the Connection's Status (its errno is kept,
// its message, which names the host, is not).
HealthSnapshot UnreachableSnapshot(const Status& error, const std::string& required_db_version,
                                   int64_t total_migrations_available);
// "database unreachable (MariaDB error 2003)" and its relatives.
std::string UnreachableReason(const Status& error);

const char* HealthStatusWord(const HealthSnapshot& s);  // ok | warning | error
int HealthHttpStatus(const HealthSnapshot& s);          // 200 | 503

// now: the "timestamp" field (the time of the answer).
Poco::JSON::Object::Ptr HealthJson(const HealthSnapshot& s, SystemTime now);
Poco::JSON::Object::Ptr VersionJson(const HealthSnapshot& s);

// Counters of the server itself, added to /metrics.
struct ServerCounters {
  uint64_t db_reads = 0;
  uint64_t rate_limited = 0;
  uint64_t rate_limit_clients = 0;
  uint64_t connections_open = 0;
  uint64_t connections_closed_early = 0;  // shed for room, refused, or head timed out
  std::map<int, uint64_t> responses_by_status;
};
std::string MetricsText(const HealthSnapshot& s, const ServerCounters& counters);

}  // namespace bamort
