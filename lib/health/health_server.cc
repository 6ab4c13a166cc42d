#include "health/health_server.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
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

int Send(Poco::Net::HTTPServerResponse& resp, int code, const std::string& content_type, const std::string& body) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(code));
  if (!content_type.empty()) resp.setContentType(content_type);
  resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
  resp.send() << body;
  return code;
}

int SendError(Poco::Net::HTTPServerResponse& resp, int code, const std::string& message) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("status", std::string("error"));
  o->set("error", message);
  return Send(resp, code, kJsonType, ToJsonText(o));
}

}  // namespace

struct HealthServer::Impl {
  Impl(const HealthServerOptions& o, HealthCache* c)
      : options(o), cache(c), limiter(o.rate_per_second, o.burst, o.max_clients), pool(1, o.max_threads) {}

  std::string ClientOf(const Poco::Net::HTTPServerRequest& req) const {
    std::string peer = req.clientAddress().host().toString();
    if (!options.trusted_proxies.count(peer) || !req.has("X-Forwarded-For")) return peer;
    std::string forwarded = req.get("X-Forwarded-For");
    size_t comma = forwarded.rfind(',');
    std::string last = Poco::trim(comma == std::string::npos ? forwarded : forwarded.substr(comma + 1));
    Poco::Net::IPAddress ip;
    return Poco::Net::IPAddress::tryParse(last, ip) ? ip.toString() : peer;
  }

  int Handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    resp.set("Access-Control-Allow-Origin", "*");
    resp.set("Cache-Control", "no-store");
    resp.set("X-Content-Type-Options", "nosniff");

    int retry_after = 1;
    if (!limiter.Allow(ClientOf(req), std::chrono::steady_clock::now(), &retry_after)) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++rate_limited;
      }
      resp.set("Retry-After", std::to_string(retry_after));
      std::ostringstream msg;
      msg << "rate limit exceeded: " << limiter.rate() << " request(s) per second per client, bursts of "
          << limiter.burst() << "; retry after " << retry_after << " s";
      return SendError(resp, 429, msg.str());
    }
    if (req.getChunkedTransferEncoding() || (req.hasContentLength() && req.getContentLength64() > 0)) {
      resp.setKeepAlive(false);  // the body is not read: the connection cannot be reused
      return SendError(resp, 400, "requests to bamort-health carry no body");
    }
    std::string path;
    try {
      path = Poco::URI(req.getURI()).getPath();
    } catch (const Poco::Exception&) {
      return SendError(resp, 400, "malformed request target");
    }
    Endpoint endpoint = Route(path);
    if (endpoint == Endpoint::kUnknown) {
      return SendError(resp, 404, "no such endpoint; try /api/system/health, /api/system/version or /metrics");
    }
    const std::string& method = req.getMethod();
    if (method == Poco::Net::HTTPRequest::HTTP_OPTIONS) {
      // CORS preflight (and plain OPTIONS): what may be asked of this resource.
      resp.set("Allow", kAllow);
      resp.set("Access-Control-Allow-Methods", kAllow);
      if (req.has("Access-Control-Request-Headers")) {
        resp.set("Access-Control-Allow-Headers", req.get("Access-Control-Request-Headers"));
      }
      resp.set("Access-Control-Max-Age", "86400");
      return Send(resp, 204, "", "");
    }
    if (method != Poco::Net::HTTPRequest::HTTP_GET && method != Poco::Net::HTTPRequest::HTTP_HEAD) {
      resp.set("Allow", kAllow);
      return SendError(resp, 405, "method " + method + " not allowed; use GET");
    }
    std::shared_ptr<const HealthSnapshot> snap = cache->Get();
    switch (endpoint) {
      case Endpoint::kHealth:
        return Send(resp, HealthHttpStatus(*snap), kJsonType,
                    ToJsonText(HealthJson(*snap, std::chrono::system_clock::now())));
      case Endpoint::kVersion:
        return Send(resp, 200, kJsonType, ToJsonText(VersionJson(*snap)));
      case Endpoint::kMetrics:
        return Send(resp, 200, "text/plain; version=0.0.4; charset=utf-8", MetricsText(*snap, Counters()));
      case Endpoint::kUnknown:
        break;
    }
    return SendError(resp, 404, "no such endpoint");
  }

  void Count(int code) {
    std::lock_guard<std::mutex> lock(mu);
    ++responses[code];
  }

  ServerCounters Counters() const {
    ServerCounters c;
    c.db_reads = cache->reads();
    c.rate_limit_clients = limiter.clients();
    std::lock_guard<std::mutex> lock(mu);
    c.rate_limited = rate_limited;
    c.responses_by_status = responses;
    return c;
  }

  const HealthServerOptions& options;
  HealthCache* cache;
  RateLimiter limiter;
  Poco::ThreadPool pool;
  mutable std::mutex mu;
  std::map<int, uint64_t> responses;
  uint64_t rate_limited = 0;
};

namespace {

class HealthRequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit HealthRequestHandler(HealthServer::Impl* impl) : impl_(impl) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    int code = 500;
    try {
      code = impl_->Handle(req, resp);
    } catch (const std::exception& e) {
      spdlog::error("request {} {}: {}", req.getMethod(), req.getURI(), e.what());
      if (!resp.sent()) code = SendError(resp, 500, "internal error");
    }
    impl_->Count(code);
    spdlog::debug("{} {} {} -> {}", req.clientAddress().toString(), req.getMethod(), req.getURI(), code);
  }

 private:
  HealthServer::Impl* impl_;
};

class HealthHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HealthHandlerFactory(HealthServer::Impl* impl) : impl_(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new HealthRequestHandler(impl_);
  }

 private:
  HealthServer::Impl* impl_;
};

}  // namespace

HealthServer::HealthServer(HealthServerOptions options, HealthCache* cache)
    : options_(std::move(options)), cache_(cache), impl_(new Impl(options_, cache_)) {}

HealthServer::~HealthServer() { Stop(); }

Status HealthServer::Start() {
  Poco::Net::SocketAddress address;
  try {
    address = Poco::Net::SocketAddress(options_.listen);
  } catch (const Poco::Exception& e) {
    return Status::BadInput("--listen " + options_.listen + ": not an ADDR:PORT (" + e.displayText() + ")",
                            "for example 0.0.0.0:8080, 127.0.0.1:8080 or [::]:8080");
  }
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(address, /*reuseAddress=*/true);
    socket.listen(options_.max_queued);
  } catch (const Poco::Exception& e) {
    return Status::Failed("cannot listen on " + options_.listen + ": " + e.displayText(),
                          "is another process using the port?");
  }
  bound_address_ = socket.address().toString();

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams();
  params->setMaxQueued(options_.max_queued);
  params->setMaxThreads(options_.max_threads);
  params->setTimeout(Poco::Timespan(options_.io_timeout.count(), 0));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setMaxKeepAliveRequests(100);
  params->setServerName("bamort-health");
  server_.reset(new Poco::Net::HTTPServer(new HealthHandlerFactory(impl_.get()), impl_->pool, socket, params));
  server_->start();
  return Status::Ok();
}

void HealthServer::Stop() {
  if (!server_) return;
  // Stops accepting, lets each connection finish the request it is serving, closes
  // idle keep-alive connections, then waits for the worker threads.
  server_->stopAll(false);
  impl_->pool.joinAll();
  server_.reset();
}

ServerCounters HealthServer::Counters() const { return impl_->Counters(); }

uint64_t HealthServer::requests() const {
  uint64_t n = 0;
  for (const auto& [code, count] : impl_->Counters().responses_by_status) n += count;
  return n;
}

}  // namespace bamort
