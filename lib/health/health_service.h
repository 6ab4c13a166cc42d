// HealthService: the whole bamort-health workflow, the engine lib/app's RunHealth maps
// flags onto. It builds the database reader and its cache (health_cache.h), starts the
// server (health_server.h), reads the database once at start-up (the log says at once
// whether it fits), serves until HealthDeps::wait_for_stop returns, stops the server
// (running requests finish, every thread joined) and returns the counters and the last
// snapshot for the report.
//
// The stop signals are the caller's: StopSignals below blocks SIGTERM and SIGINT before
// any thread exists (every thread inherits the mask) and waits for one with sigwait, so
// no handler runs inside a worker. A test passes its own wait_for_stop instead.
// Not thread-safe: one call serves until it returns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/db_config.h"
#include "health/health_server.h"
#include "health/health_snapshot.h"
#include "health/http_listener.h"
#include "migrate/migration.h"

namespace bamort {

struct HealthOptions {
  HealthServerOptions server;
  int refresh_seconds = 5;   // the database is read at most once per this many seconds
  std::string backups_dir;   // "" = no backup metrics
  std::vector<Migration> migrations;  // the full list this build knows
};

struct HealthDeps {
  DbConfig config;
  // Called once the server listens, with the address bound ("127.0.0.1:41234").
  std::function<void(const std::string& bound_address)> on_listening;
  // Blocks until the server should stop; returns what stopped it ("SIGTERM"). Required.
  std::function<std::string()> wait_for_stop;
};

struct HealthResult {
  std::string bound_address;  // "" when the server never listened
  std::string stopped_by;
  uint64_t requests = 0;
  ServerCounters counters;
  ListenerCounters connections;
  std::shared_ptr<const HealthSnapshot> last;  // the snapshot served last (null before start)
};

// kBadInput for no migrations or an unusable listen address; kFailed when it cannot bind or
// has no wait_for_stop.
Status ServeHealth(const HealthOptions& options, const HealthDeps& deps, HealthResult* result);

// SIGTERM and SIGINT blocked in the calling thread (construct it before any thread starts,
// so all inherit the mask) and SIGPIPE ignored (a client that hangs up must not end the
// server). Wait() returns "SIGTERM" or "SIGINT" when one arrives.
class StopSignals {
 public:
  StopSignals();
  std::string Wait();

 private:
  struct Set;
  std::shared_ptr<Set> set_;
};

}  // namespace bamort
