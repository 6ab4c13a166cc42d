#include "health/health_server.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace bamort {

namespace {

constexpr const char* kAllow = "GET, HEAD, OPTIONS";
constexpr const char* kJsonType = "application/json; charset=utf-8";

enum class Endpoint { kHealth, kVersion, kMetrics, kUnknown };

Endpoint Route(const std::string& path) {
  if (path == "/api/system/health") return Endpoint::kHealth;
  if (path == "/api/system/version") return Endpoint::kVersion;
  if (path == "/metrics") return Endpoint::kMetrics;
  return Endpoint::kUnknown;
}

std::string ToJsonText(const Poco::JSON::Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out, 2);
  out << "\n";
  return out.str();
}

HttpAnswer Answer(int code, const std::string& content_type, std::string body) {
  HttpAnswer a;
  a.status = code;
  a.content_type = content_type;
  a.body = std::move(body);
  return a;
}

}  // namespace

struct HealthServer::Impl {
  Impl(const HealthServerOptions& o, HealthCache* c)
      : options(o), cache(c), limiter(o.rate_per_second, o.burst, o.max_clients) {}

  std::string ClientOf(const Poco::Net::HTTPRequest& req, const std::string& peer) const {
    if (!options.trusted_proxies.count(peer) || !req.has("X-Forwarded-For")) return peer;
    std::string forwarded = req.get("X-Forwarded-For");
    size_t comma = forwarded.rfind(',');
    std::string last = Poco::trim(comma == std::string::npos ? forwarded : forwarded.substr(comma + 1));
    Poco::Net::IPAddress ip;
    return Poco::Net::IPAddress::tryParse(last, ip) ? ip.toString() : peer;
  }

  // Every answer, errors included, carries these.
  static HttpAnswer WithCommonHeaders(HttpAnswer a) {
    a.headers.insert(a.headers.begin(), {{"Access-Control-Allow-Origin", "*"},
                                         {"Cache-Control", "no-store"},
                                         {"X-Content-Type-Options", "nosniff"}});
    return a;
  }

  HttpAnswer Handle(const Poco::Net::HTTPRequest& req, const std::string& peer) {

    int retry_after = 1;
    if (!limiter.Allow(ClientOf(req, peer), std::chrono::steady_clock::now(), &retry_after)) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++rate_limited;
      }
      std::ostringstream msg;
      msg << "rate limit exceeded: " << limiter.rate() << " request(s) per second per client, bursts of "
          << limiter.burst() << "; retry after " << retry_after << " s";
      HttpAnswer a = ErrorAnswer(429, msg.str());
      a.headers.push_back({"Retry-After", std::to_string(retry_after)});
      return a;
    }
    if (req.has(Poco::Net::HTTPMessage::TRANSFER_ENCODING) || (req.hasContentLength() && req.getContentLength64() > 0)) {
      HttpAnswer a = ErrorAnswer(400, "requests to bamort-health carry no body");
      a.close = true;  // the body is not read: the connection cannot be reused
      return a;
    }
    std::string path;
    try {
      path = Poco::URI(req.getURI()).getPath();
    } catch (const Poco::Exception&) {
      return ErrorAnswer(400, "malformed request target");
    }
    Endpoint endpoint = Route(path);
    if (endpoint == Endpoint::kUnknown) {
      return ErrorAnswer(404, "no such endpoint; try /api/system/health, /api/system/version or /metrics");
    }
    const std::string& method = req.getMethod();
    if (method == Poco::Net::HTTPRequest::HTTP_OPTIONS) {
      // CORS preflight (and plain OPTIONS): what may be asked of this resource.
      HttpAnswer a = Answer(204, "", "");
      a.headers = {{"Allow", kAllow}, {"Access-Control-Allow-Methods", kAllow}};
      if (req.has("Access-Control-Request-Headers")) {
        a.headers.push_back({"Access-Control-Allow-Headers", req.get("Access-Control-Request-Headers")});
      }
      a.headers.push_back({"Access-Control-Max-Age", "86400"});
      return a;
    }
    if (method != Poco::Net::HTTPRequest::HTTP_GET && method != Poco::Net::HTTPRequest::HTTP_HEAD) {
      HttpAnswer a = ErrorAnswer(405, "method " + method + " not allowed; use GET");
      a.headers.push_back({"Allow", kAllow});
      return a;
    }
    std::shared_ptr<const HealthSnapshot> snap = cache->Get();
    switch (endpoint) {
      case Endpoint::kHealth:
        return Answer(HealthHttpStatus(*snap), kJsonType, ToJsonText(HealthJson(*snap, std::chrono::system_clock::now())));
      case Endpoint::kVersion:
        return Answer(200, kJsonType, ToJsonText(VersionJson(*snap)));
      case Endpoint::kMetrics:
        return Answer(200, "text/plain; version=0.0.4; charset=utf-8", MetricsText(*snap, Counters()));
      case Endpoint::kUnknown:
        break;
    }
    return ErrorAnswer(404, "no such endpoint");
  }

  // The listener's handler: answers, counts and logs one request.
  HttpAnswer Serve(const Poco::Net::HTTPRequest& req, const std::string& peer) {
    HttpAnswer a;
    try {
      a = Handle(req, peer);
    } catch (const std::exception& e) {
      spdlog::error("request {} {}: {}", req.getMethod(), req.getURI(), e.what());
      a = ErrorAnswer(500, "internal error");
    }
    Count(a.status);
    spdlog::debug("{} {} {} -> {}", peer, req.getMethod(), req.getURI(), a.status);
    return WithCommonHeaders(std::move(a));
  }

  void Count(int code) {
    std::lock_guard<std::mutex> lock(mu);
    ++responses[code];
  }

  ServerCounters Counters() const {
    ServerCounters c;
    c.db_reads = cache->reads();
    c.rate_limit_clients = limiter.clients();
    if (listener) {
      ListenerCounters l = listener->Counters();
      c.connections_open = l.open;
      c.connections_closed_early = l.shed + l.refused + l.head_timeouts;
    }
    std::lock_guard<std::mutex> lock(mu);
    c.rate_limited = rate_limited;
    c.responses_by_status = responses;
    return c;
  }

  const HealthServerOptions& options;
  HealthCache* cache;
  RateLimiter limiter;
  const HttpListener* listener = nullptr;  // set before the listener starts
  mutable std::mutex mu;
  std::map<int, uint64_t> responses;
  uint64_t rate_limited = 0;
};

HealthServer::HealthServer(HealthServerOptions options, HealthCache* cache)
    : options_(std::move(options)), cache_(cache), impl_(new Impl(options_, cache_)) {}

HealthServer::~HealthServer() { Stop(); }

Status HealthServer::Start() {
  HttpListenerOptions o = options_.connections;
  o.listen = options_.listen;
  Impl* impl = impl_.get();
  listener_.reset(new HttpListener(o, [impl](const Poco::Net::HTTPRequest& req, const std::string& peer) {
    return impl->Serve(req, peer);
  }));
  impl->listener = listener_.get();
  Status started = listener_->Start();
  if (!started.ok()) {
    impl->listener = nullptr;
    listener_.reset();
    return started;
  }
  bound_address_ = listener_->bound_address();
  return Status::Ok();
}

void HealthServer::Stop() {
  if (!listener_) return;
  // Stops accepting, closes idle connections, lets each busy one finish its answer, then
  // joins the threads.
  listener_->Stop();
}

ListenerCounters HealthServer::Connections() const {
  return listener_ ? listener_->Counters() : ListenerCounters();
}

ServerCounters HealthServer::Counters() const { return impl_->Counters(); }

uint64_t HealthServer::requests() const {
  uint64_t n = 0;
  for (const auto& [code, count] : impl_->Counters().responses_by_status) n += count;
  return n;
}

}  // namespace bamort
