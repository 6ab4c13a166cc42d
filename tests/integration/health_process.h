// bamort-health as a background process for the integration tests (health_test.cc,
// health_flood_test.cc): started on 127.0.0.1 with a free port, spoken to over HTTP with
// Poco's client or with raw bytes.
#pragma once

#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "test_support.h"

namespace bamort::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  Poco::JSON::Object::Ptr Json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }
};

// bamort-health running in the background for one test (BackgroundProcess).
class HealthProcess {
 public:
  HealthProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env)
      : report_(TempPath("report.json")), process_(Argv(args, report_), env) {
    // The server prints the address it bound (port 0 = a free port) once it listens.
    std::string port = process_.WaitForLine("listening on http://127.0.0.1:");
    if (!port.empty()) port_ = std::stoi(port);
    EXPECT_NE(port_, 0) << "bamort-health did not start: " << process_.err();
  }
  ~HealthProcess() { unlink(report_.c_str()); }

  int port() const { return port_; }
  // The threads the process runs now (/proc/<pid>/task).
  size_t Threads() const { return DirEntries("/proc/" + std::to_string(process_.pid()) + "/task").size(); }
  std::string err() const { return process_.err(); }
  const std::string& report_path() const { return report_; }
  int Stop() { return process_.Stop(); }

  // timeout_seconds: how long the client waits for connecting, sending and each read.
  HttpResult Request(const std::string& method, const std::string& path,
                     const std::map<std::string, std::string>& headers = {}, int timeout_seconds = 15) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(timeout_seconds, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.set(k, v);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    HttpResult r;
    r.status = resp.getStatus();
    for (const auto& [k, v] : resp) r.headers[k] = v;
    Poco::StreamCopier::copyToString(in, r.body);
    return r;
  }
  HttpResult Get(const std::string& path) const { return Request("GET", path); }

  // Sends text as it is, from source_ip, and returns everything the server answers
  // until it closes the connection.
  std::string Raw(const std::string& text, const std::string& source_ip = "127.0.0.1") const {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.impl()->bind(Poco::Net::SocketAddress(source_ip, 0), false);
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)));
    socket.setReceiveTimeout(Poco::Timespan(15, 0));
    socket.sendBytes(text.data(), static_cast<int>(text.size()));
    std::string answer;
    char buf[4096];
    for (;;) {
      int n = 0;
      try {
        n = socket.receiveBytes(buf, sizeof buf);
      } catch (const Poco::Exception&) {
        break;  // reset by the server after its answer
      }
      if (n <= 0) break;
      answer.append(buf, n);
    }
    return answer;
  }

 private:
  static std::vector<std::string> Argv(const std::vector<std::string>& args, const std::string& report) {
    std::vector<std::string> argv = {BinaryPath("health"), "--listen", "127.0.0.1:0", "--report", report};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  std::string report_;
  BackgroundProcess process_;
  int port_ = 0;
};

inline int StatusOf(const std::string& raw) {
  // "HTTP/1.1 400 Bad Request"
  if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0) return 0;
  return std::stoi(raw.substr(9, 3));
}

}  // namespace bamort::testing
