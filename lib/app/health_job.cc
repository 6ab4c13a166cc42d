#include "app/health_job.h"

#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>

#include "app/job_support.h"
#include "health/health_service.h"

namespace bamort {

HealthFlags::HealthFlags(JobCli* cli)
    : listen(cli->AddText("listen", "ADDR:PORT",
                          "address to serve on (default 0.0.0.0:8080; port 0 picks a free port)")),
      refresh(cli->AddInt("refresh", "SECONDS", "read the database state at most once per this many seconds (default 5)",
                          5, 1, 86400)),
      rate_limit(cli->AddInt("rate-limit", "N", "requests per second per client IP (default 1; 0 turns the limit off)",
                             1, 0, 100000)),
      rate_burst(cli->AddInt("rate-burst", "N",
                             "requests a client may send at once before the rate applies (default 5)", 5, 1, 100000)),
      backups_dir(cli->AddText("backups-dir", "DIR",
                               "bamort-backup's --out-dir: report the newest backup set in /metrics")),
      trusted_proxy(cli->AddText("trusted-proxy", "IP[,IP...]",
                                 "reverse proxies whose X-Forwarded-For names the client for the rate limit (default: "
                                 "none)")),
      max_threads(cli->AddInt("max-threads", "N", "request threads (default 8)", 8, 1, 256)),
      max_connections(cli->AddInt("max-connections", "N",
                                  "connections held at most; the oldest idle one makes room (default 512)", 512, 1,
                                  100000)),
      max_connections_per_client(cli->AddInt("max-connections-per-client", "N",
                                             "connections held at most per client address (default 32)", 32, 1,
                                             100000)),
      header_timeout(cli->AddInt("header-timeout", "SECONDS",
                                 "a request head must arrive within this time (default 5)", 5, 1, 300)),
      keep_alive_timeout(cli->AddInt("keep-alive-timeout", "SECONDS",
                                     "an idle keep-alive connection is closed after this time (default 5)", 5, 1, 300)),
      max_keep_alive_requests(cli->AddInt("max-keep-alive-requests", "N",
                                          "requests per connection before it is closed (default 100)", 100, 1, 100000)),
      migrations_dir(DeclareMigrationsDir(cli)) {}

namespace {

// The connection flags (http_listener.h), also recorded in the report's inputs.
Status ConnectionOptions(const HealthFlags& flags, HttpListenerOptions* out, Poco::JSON::Object::Ptr inputs) {
  int64_t threads = 0, total = 0, per_client = 0, header = 0, keep_alive = 0, requests = 0;
  BAMORT_RETURN_IF_ERROR(flags.max_threads.Read(&threads));
  BAMORT_RETURN_IF_ERROR(flags.max_connections.Read(&total));
  BAMORT_RETURN_IF_ERROR(flags.max_connections_per_client.Read(&per_client));
  BAMORT_RETURN_IF_ERROR(flags.header_timeout.Read(&header));
  BAMORT_RETURN_IF_ERROR(flags.keep_alive_timeout.Read(&keep_alive));
  BAMORT_RETURN_IF_ERROR(flags.max_keep_alive_requests.Read(&requests));
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

// The flags onto HealthOptions, each recorded in the report's inputs.
Status OptionsFromFlags(const HealthFlags& flags, Poco::JSON::Object::Ptr in, HealthOptions* options) {
  HealthServerOptions& server = options->server;
  server.listen = flags.listen.value_or("0.0.0.0:8080");
  int64_t refresh = 0, rate = 0, burst = 0;
  BAMORT_RETURN_IF_ERROR(flags.refresh.Read(&refresh));
  BAMORT_RETURN_IF_ERROR(flags.rate_limit.Read(&rate));
  BAMORT_RETURN_IF_ERROR(flags.rate_burst.Read(&burst));
  options->refresh_seconds = static_cast<int>(refresh);
  server.rate_per_second = static_cast<double>(rate);
  server.burst = static_cast<double>(burst);
  if (auto proxies = flags.trusted_proxy.value()) {
    Poco::StringTokenizer tok(*proxies, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    server.trusted_proxies.insert(tok.begin(), tok.end());
  }
  options->backups_dir = flags.backups_dir.value_or("");

  in->set("listen", server.listen);
  in->set("refresh_seconds", refresh);
  in->set("rate_limit_per_second", rate);
  in->set("rate_burst", burst);
  in->set("backups_dir", options->backups_dir.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(options->backups_dir));
  Poco::JSON::Array::Ptr proxies = new Poco::JSON::Array();
  for (const std::string& p : server.trusted_proxies) proxies->add(p);
  in->set("trusted_proxies", proxies);
  BAMORT_RETURN_IF_ERROR(ConnectionOptions(flags, &server.connections, in));
  return LoadMigrations(flags.migrations_dir, &options->migrations);
}


void FillReport(const HealthResult& r, StepReport* report) {
  if (r.bound_address.empty() || !r.last) return;
  auto& d = report->details;
  d->set("stopped_by", r.stopped_by);
  d->set("requests_total", r.requests);
  Poco::JSON::Object::Ptr by_status = new Poco::JSON::Object(true);
  for (const auto& [code, n] : r.counters.responses_by_status) by_status->set(std::to_string(code), n);
  d->set("responses_by_status", by_status);
  d->set("rate_limited", r.counters.rate_limited);
  d->set("db_reads", r.counters.db_reads);
  Poco::JSON::Object::Ptr conn = new Poco::JSON::Object(true);
  conn->set("accepted", r.connections.accepted);
  conn->set("shed_for_newer", r.connections.shed);
  conn->set("refused", r.connections.refused);
  conn->set("head_timeouts", r.connections.head_timeouts);
  conn->set("bad_requests", r.connections.bad_requests);
  d->set("connections", conn);
  const HealthSnapshot& last = *r.last;
  d->set("last_state", last.state);
  d->set("last_status", std::string(HealthStatusWord(last)));
  d->set("last_reason", last.reason);
  report->database.version_before = report->database.version_after = last.actual_db_version;
  if (last.reachable) {
    report->database.migration_number_before = report->database.migration_number_after = last.migration_number;
  }
}

}  // namespace

Status RunHealth(const JobCli& cli, const HealthFlags& flags, JobRun* run) {
  // Before any thread exists: every thread inherits the blocked stop signals.
  StopSignals stop;
  HealthOptions options;
  BAMORT_RETURN_IF_ERROR(OptionsFromFlags(flags, run->report().inputs, &options));
  HealthDeps deps;
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&deps.config));
  deps.on_listening = [run](const std::string& bound) {
    run->report().outputs->set("listen_address", bound);
    std::cout << "bamort-health listening on http://" << bound << std::endl;
  };
  deps.wait_for_stop = [&stop] { return stop.Wait(); };
  HealthResult result;
  Status s = ServeHealth(options, deps, &result);
  FillReport(result, &run->report());
  return s;
}

}  // namespace bamort
