// HealthServer: the HTTP side of bamort-health, on HttpListener (http_listener.h: the
// connections, their deadlines and caps; Poco's HTTPServer gives every connection a thread
// for as long as it is open, so idle or dribbling clients could starve it).
//
//   GET /api/system/health    HealthJson, 200 or 503 (health_snapshot.h)
//   GET /api/system/version   VersionJson, always 200
//   GET /metrics              Prometheus text format 0.0.4
//   HEAD on the same paths; OPTIONS answers a CORS preflight with 204.
//
// Every request first passes the per-client RateLimiter (429 + Retry-After), then the
// request checks (a body, chunked or not: 400; malformed or ambiguous heads, oversized
// request lines or too many header fields are refused with 400 by the listener before a
// handler runs), then routing
// (unknown path 404, other methods 405 with Allow). Every answer carries
// "Access-Control-Allow-Origin: *": the endpoints are public and read-only, and the
// Bamort frontend on another origin must be able to read a 503 too.
//
// The client is the peer address, or, when the peer is one of trusted_proxies, the
// last address in its X-Forwarded-For header (the hop that proxy saw).
//
// Start() binds and returns; Stop() stops accepting, lets running requests finish and
// joins the threads. Counters() and Connections() are safe from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/status.h"
#include "health/health_cache.h"
#include "health/http_listener.h"
#include "health/rate_limiter.h"

namespace bamort {

struct HealthServerOptions {
  std::string listen = "0.0.0.0:8080";  // ADDR:PORT, [v6]:PORT; port 0 picks a free one
  double rate_per_second = 1.0;          // 0: no rate limit
  double burst = 5;
  size_t max_clients = 10000;            // bound of the rate limiter's table
  std::set<std::string> trusted_proxies;
  // Connections: workers, caps, deadlines, keep-alive (HttpListenerOptions; its listen
  // field is ignored, `listen` above is the one).
  HttpListenerOptions connections;
};

class HealthServer {
 public:
  HealthServer(HealthServerOptions options, HealthCache* cache);
  ~HealthServer();

  // kBadInput for an unusable --listen, kFailed when the address cannot be bound.
  Status Start();
  void Stop();
  // "127.0.0.1:41234": the address actually bound (after Start).
  std::string bound_address() const { return bound_address_; }

  ServerCounters Counters() const;
  ListenerCounters Connections() const;
  uint64_t requests() const;

  // Used by the request handlers.
  struct Impl;

 private:
  HealthServerOptions options_;
  HealthCache* cache_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<HttpListener> listener_;
  std::string bound_address_;
};

}  // namespace bamort
