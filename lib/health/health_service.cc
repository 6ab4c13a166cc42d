#include "health/health_service.h"

#include <signal.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "health/health_cache.h"

namespace bamort {

struct StopSignals::Set {
  sigset_t signals;
};

StopSignals::StopSignals() : set_(std::make_shared<Set>()) {
  sigemptyset(&set_->signals);
  sigaddset(&set_->signals, SIGTERM);
  sigaddset(&set_->signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_->signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::string StopSignals::Wait() {
  int signal_number = 0;
  if (int err = sigwait(&set_->signals, &signal_number); err != 0) {
    spdlog::error("waiting for SIGTERM/SIGINT failed ({}): stopping", std::strerror(err));
    return "sigwait failed";
  }
  spdlog::info("{} received: stopping (finishing the requests in progress)", strsignal(signal_number));
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

Status ServeHealth(const HealthOptions& options, const HealthDeps& deps, HealthResult* result) {
  if (options.migrations.empty()) return Status::BadInput("no migrations found");
  // Without it the server would stop as soon as it listens and report a clean shutdown.
  if (!deps.wait_for_stop) return Status::Failed("ServeHealth needs HealthDeps::wait_for_stop");
  DatabaseStateReader reader(deps.config, options.migrations, options.backups_dir);
  HealthCache cache([&reader] { return reader.Read(); }, std::chrono::seconds(options.refresh_seconds));
  HealthServer server(options.server, &cache);
  BAMORT_RETURN_IF_ERROR(server.Start());
  // One read at start-up: the log says at once whether the database fits.
  std::shared_ptr<const HealthSnapshot> first = cache.Get();
  spdlog::info("database {}: {} ({})", deps.config.Describe(), first->state, first->reason);
  result->bound_address = server.bound_address();
  if (deps.on_listening) deps.on_listening(result->bound_address);
  spdlog::info("listening on http://{} (refresh {} s, rate limit {}/s burst {})", result->bound_address,
               options.refresh_seconds, options.server.rate_per_second, options.server.burst);

  result->stopped_by = deps.wait_for_stop();
  server.Stop();
  result->last = cache.Get();
  result->counters = server.Counters();
  result->connections = server.Connections();
  result->requests = server.requests();
  return Status::Ok();
}

}  // namespace bamort
