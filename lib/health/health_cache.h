// HealthCache: the one place where bamort-health reads the database. Handler threads
// call Get(); the first call after the refresh interval has passed reads the state
// (under a mutex, so concurrent requests wait for that one read instead of starting
// their own) and every other call returns the snapshot in hand. However many requests
// arrive, the database is read at most once per interval. reads() counts the reads
// (exported as bamort_health_db_reads_total) so tests and operators can check that.
//
// DatabaseStateReader makes a snapshot: it keeps one Connection between reads and,
// since a Connection never reconnects by itself, opens a new one when the old one was
// lost (a restarted server, wait_timeout) or the last attempt failed. A reused
// connection that fails is retried once at once with a fresh one, so a database
// restart between two refreshes does not show up as an error.
//
// Thread-safe: Get() and reads() from any thread. DatabaseStateReader itself is not;
// HealthCache calls it under its mutex only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/db_config.h"
#include "db/connection.h"
#include "health/health_snapshot.h"
#include "migrate/migration.h"

namespace bamort {

class HealthCache {
 public:
  using Reader = std::function<HealthSnapshot()>;
  HealthCache(Reader reader, std::chrono::milliseconds refresh);

  std::shared_ptr<const HealthSnapshot> Get();
  uint64_t reads() const;

 private:
  Reader reader_;
  const std::chrono::milliseconds refresh_;
  mutable std::mutex mu_;
  std::shared_ptr<const HealthSnapshot> current_;
  std::chrono::steady_clock::time_point read_at_{};
  uint64_t reads_ = 0;
};

class DatabaseStateReader {
 public:
  // backups_dir empty: no backup metrics. migrations: the full list this build knows.
  DatabaseStateReader(DbConfig config, std::vector<Migration> migrations, std::string backups_dir);

  HealthSnapshot Read();
  // The full (redacted) error of the last failed read, for the log; empty after success.
  const std::string& last_error() const { return last_error_; }

 private:
  Status ReadOnce(HealthSnapshot* out);
  void ReadBackups(HealthSnapshot* out);

  DbConfig config_;
  std::vector<Migration> migrations_;
  std::string backups_dir_;
  std::unique_ptr<Connection> conn_;
  std::string last_error_;
};

}  // namespace bamort
