// bamort-health under a connection flood on 127.0.0.1 (issue 19 item 5): 200 idle
// connections and 50 that dribble one header byte per second, all from the same address
// as the normal client. Normal requests must still get their 200 with the health JSON
// (each with a client timeout of a few seconds: the outcome is asserted, not a time), the
// flood beyond the per-client cap is closed to make room, and with the caps raised above
// the flood the header deadline closes every idle and dribbling connection while the
// dribbling goes on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "health_process.h"
#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::HealthProcess;
using testing::HttpResult;
using testing::ScratchDatabase;

constexpr int kIdle = 200;
constexpr int kDribbling = 50;
constexpr int kClientTimeoutSeconds = 3;

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Idle and dribbling connections, held until the object goes; the dribbling thread sends
// one byte of a never-ending request head per connection per second until Stop().
class Flood {
 public:
  Flood(int port, int idle, int dribbling) {
    for (int i = 0; i < idle; ++i) idle_.push_back(Connect(port));
    for (int i = 0; i < dribbling; ++i) dribbling_.push_back(Connect(port));
    thread_ = std::thread([this] { Dribble(); });
  }
  ~Flood() {
    Stop();
    for (int fd : idle_) ::close(fd);
    for (int fd : dribbling_) ::close(fd);
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  const std::vector<int>& idle() const { return idle_; }
  const std::vector<int>& dribbling() const { return dribbling_; }
  int connected() const {
    int n = 0;
    for (int fd : idle_) n += fd >= 0;
    for (int fd : dribbling_) n += fd >= 0;
    return n;
  }

 private:
  void Dribble() {
    const std::string head = "GET /api/system/health HTTP/1.1\r\nHost: flood\r\nX-Slow: ";
    std::unique_lock<std::mutex> lock(mu_);
    for (size_t i = 0; !stop_; ++i) {
      char byte = i < head.size() ? head[i] : 'a';
      for (int fd : dribbling_) {
        if (fd >= 0) (void)::send(fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    }
  }

  std::vector<int> idle_;
  std::vector<int> dribbling_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Whether the server has closed fd: it reads (an answer such as 408 is fine) until end of
// stream or a reset; a read that times out after timeout_seconds means still open.
bool ClosedByServer(int fd, int timeout_seconds) {
  timeval tv{timeout_seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[1024];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

void ExpectHealthyAnswers(const HealthProcess& server, int count) {
  for (int i = 0; i < count; ++i) {
    HttpResult h;
    try {
      h = server.Request("GET", "/api/system/health", {}, kClientTimeoutSeconds);
    } catch (const Poco::Exception& e) {
      ADD_FAILURE() << "request " << i << " got no answer within " << kClientTimeoutSeconds
                    << " s: " << e.displayText();
      continue;
    }
    EXPECT_EQ(h.status, 200) << h.body;
    EXPECT_EQ(h.Json()->getValue<std::string>("status"), "ok") << h.body;
  }
}

StepReport StopAndRead(HealthProcess* server) {
  EXPECT_EQ(server->Stop(), 0) << server->err();
  StepReport r;
  Status s = ReadReport(server->report_path(), &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return r;
}

TEST(HealthFlood, IdleAndDribblingConnectionsFromTheSameAddressDoNotStopNormalRequests) {
  ScratchDatabase db("health_flood");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess server({"--rate-limit", "0"}, {{"BAMORT_DB_NAME", db.name()}});
  ASSERT_NE(server.port(), 0);
  Flood flood(server.port(), kIdle, kDribbling);
  ASSERT_EQ(flood.connected(), kIdle + kDribbling);
  ExpectHealthyAnswers(server, 10);
  flood.Stop();
  StepReport report = StopAndRead(&server);
  Poco::JSON::Object::Ptr connections = report.details->getObject("connections");
  ASSERT_TRUE(connections) << report.ToJsonText();
  // Every flood connection beyond the default cap of 32 per client was closed for a newer one.
  EXPECT_GE(connections->getValue<int64_t>("shed_for_newer"), kIdle + kDribbling - 32);
  EXPECT_EQ(report.details->getObject("responses_by_status")->getValue<uint64_t>("200"), 10u);
}

TEST(HealthFlood, WithCapsAboveTheFloodTheHeaderDeadlineClosesIdleAndDribblingConnections) {
  ScratchDatabase db("health_slow");
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  HealthProcess server({"--rate-limit", "0", "--max-connections", "1000", "--max-connections-per-client", "1000",
                        "--header-timeout", "2"},
                       {{"BAMORT_DB_NAME", db.name()}});
  ASSERT_NE(server.port(), 0);
  Flood flood(server.port(), kIdle, kDribbling);
  ASSERT_EQ(flood.connected(), kIdle + kDribbling);
  ExpectHealthyAnswers(server, 10);
  // Still dribbling: the deadline counts from the connection's start, not from its last byte.
  int still_open = 0;
  for (int fd : flood.dribbling()) still_open += !ClosedByServer(fd, 15);
  for (int fd : flood.idle()) still_open += !ClosedByServer(fd, 15);
  EXPECT_EQ(still_open, 0);
  flood.Stop();
  StepReport report = StopAndRead(&server);
  Poco::JSON::Object::Ptr connections = report.details->getObject("connections");
  ASSERT_TRUE(connections) << report.ToJsonText();
  EXPECT_GE(connections->getValue<int64_t>("head_timeouts"), kIdle + kDribbling);
  EXPECT_EQ(connections->getValue<int64_t>("shed_for_newer"), 0);
}

}  // namespace
}  // namespace bamort
