#include "app/health_job.h"

#include <signal.h>

#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "health/health_cache.h"
#include "health/health_server.h"

namespace bamort {

void AddHealthFlags(JobCli* cli) {
  cli->Flag("listen", "ADDR:PORT", "address to serve on (default 0.0.0.0:8080; port 0 picks a free port)")
      .Flag("refresh", "SECONDS", "read the database state at most once per this many seconds (default 5)")
      .Flag("rate-limit", "N", "requests per second per client IP (default 1; 0 turns the limit off)")
      .Flag("rate-burst", "N", "requests a client may send at once before the rate applies (default 5)")
      .Flag("backups-dir", "DIR", "bamort-backup's --out-dir: report the newest backup set in /metrics")
      .Flag("trusted-proxy", "IP[,IP...]",
            "reverse proxies whose X-Forwarded-For names the client for the rate limit (default: none)")
      .Flag("max-threads", "N", "request threads (default 8)")
      .Flag("max-connections", "N", "connections held at most; the oldest idle one makes room (default 512)")
      .Flag("max-connections-per-client", "N", "connections held at most per client address (default 32)")
      .Flag("header-timeout", "SECONDS", "a request head must arrive within this time (default 5)")
      .Flag("keep-alive-timeout", "SECONDS", "an idle keep-alive connection is closed after this time (default 5)")
      .Flag("max-keep-alive-requests", "N", "requests per connection before it is closed (default 100)");
  AddMigrationsDirFlag(cli);
}

namespace {

// The connection flags (http_listener.h), also recorded in the report's inputs.
Status ConnectionOptions(const JobCli& cli, HttpListenerOptions* out, Poco::JSON::Object::Ptr inputs) {
  int64_t threads = 0, total = 0, per_client = 0, header = 0, keep_alive = 0, requests = 0;
  BAMORT_RETURN_IF_ERROR(cli.GetInt("max-connections", 512, 1, 100000, &total));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("max-connections-per-client", 32, 1, 100000, &per_client));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("header-timeout", 5, 1, 300, &header));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("keep-alive-timeout", 5, 1, 300, &keep_alive));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("max-keep-alive-requests", 100, 1, 100000, &requests));
  out->workers = static_cast<int>(threads);
  out->max_connections = static_cast<size_t>(total);
  out->max_connections_per_client = static_cast<size_t>(per_client);
  out->header_timeout = std::chrono::seconds(header);
  out->keep_alive_timeout = std::chrono::seconds(keep_alive);
  out->max_keep_alive_requests = static_cast<int>(requests);
  inputs->set("max_threads", threads);
  inputs->set("max_connections", total);
  inputs->set("max_connections_per_client", per_client);
  inputs->set("header_timeout_seconds", header);
  inputs->set("keep_alive_timeout_seconds", keep_alive);
  inputs->set("max_keep_alive_requests", requests);
  return Status::Ok();
}

}  // namespace

Status RunHealth(const JobCli& cli, JobRun* run) {
  // Block the stop signals before any thread exists: every thread inherits the mask and
  // this one collects them with sigwait, so no handler runs inside a Poco worker.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server

  HealthServerOptions options;
  options.listen = cli.GetOr("listen", "0.0.0.0:8080");
  int64_t refresh = 0, rate = 0, burst = 0;
  BAMORT_RETURN_IF_ERROR(cli.GetInt("refresh", 5, 1, 86400, &refresh));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("rate-limit", 1, 0, 100000, &rate));
  BAMORT_RETURN_IF_ERROR(cli.GetInt("rate-burst", 5, 1, 100000, &burst));
  options.rate_per_second = static_cast<double>(rate);
  options.burst = static_cast<double>(burst);
  if (auto proxies = cli.Get("trusted-proxy")) {
    Poco::StringTokenizer tok(*proxies, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    options.trusted_proxies.insert(tok.begin(), tok.end());
  }
  std::string backups_dir = cli.GetOr("backups-dir", "");

  auto& in = run->report().inputs;
  in->set("listen", options.listen);
  in->set("refresh_seconds", refresh);
  in->set("rate_limit_per_second", rate);
  in->set("rate_burst", burst);
  in->set("backups_dir", backups_dir.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(backups_dir));
  Poco::JSON::Array::Ptr proxies = new Poco::JSON::Array();
  for (const std::string& p : options.trusted_proxies) proxies->add(p);
  in->set("trusted_proxies", proxies);
  BAMORT_RETURN_IF_ERROR(ConnectionOptions(cli, &options.connections, in));

  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(cli, &migrations));
  if (migrations.empty()) return Status::BadInput("no migrations found");
  DbConfig config;
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&config));

  DatabaseStateReader reader(config, std::move(migrations), backups_dir);
  HealthCache cache([&reader] { return reader.Read(); }, std::chrono::seconds(refresh));
  HealthServer server(options, &cache);
  BAMORT_RETURN_IF_ERROR(server.Start());
  // One read at start-up: the log says at once whether the database fits.
  std::shared_ptr<const HealthSnapshot> first = cache.Get();
  spdlog::info("database {}: {} ({})", config.Describe(), first->state, first->reason);
  run->report().outputs->set("listen_address", server.bound_address());
  std::cout << "bamort-health listening on http://" << server.bound_address() << std::endl;
  spdlog::info("listening on http://{} (refresh {} s, rate limit {}/s burst {})", server.bound_address(), refresh, rate,
               burst);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("{} received: stopping (finishing the requests in progress)", strsignal(signal_number));
  server.Stop();

  std::shared_ptr<const HealthSnapshot> last = cache.Get();
  ServerCounters counters = server.Counters();
  auto& d = run->report().details;
  d->set("stopped_by", std::string(signal_number == SIGTERM ? "SIGTERM" : "SIGINT"));
  d->set("requests_total", server.requests());
  Poco::JSON::Object::Ptr by_status = new Poco::JSON::Object(true);
  for (const auto& [code, n] : counters.responses_by_status) by_status->set(std::to_string(code), n);
  d->set("responses_by_status", by_status);
  d->set("rate_limited", counters.rate_limited);
  d->set("db_reads", counters.db_reads);
  ListenerCounters connections = server.Connections();
  Poco::JSON::Object::Ptr conn = new Poco::JSON::Object(true);
  conn->set("accepted", connections.accepted);
  conn->set("shed_for_newer", connections.shed);
  conn->set("refused", connections.refused);
  conn->set("head_timeouts", connections.head_timeouts);
  conn->set("bad_requests", connections.bad_requests);
  d->set("connections", conn);
  d->set("last_state", last->state);
  d->set("last_status", std::string(HealthStatusWord(*last)));
  d->set("last_reason", last->reason);
  run->report().database.version_before = run->report().database.version_after = last->actual_db_version;
  if (last->reachable) {
    run->report().database.migration_number_before = run->report().database.migration_number_after =
        last->migration_number;
  }
  return Status::Ok();
}

}  // namespace bamort
