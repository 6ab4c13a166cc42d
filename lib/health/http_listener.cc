#include "health/http_listener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <spdlog/spdlog.h>

namespace bamort {

namespace {

using Clock = std::chrono::steady_clock;

// A closing connection is read (and discarded) for at most this long and this much, so
// an answer the client has not read yet is not destroyed by a reset.
constexpr std::chrono::milliseconds kDrainTime{2000};
constexpr size_t kDrainBytes = 64 * 1024;
constexpr size_t kReadChunk = 8192;
constexpr int kAcceptsPerWake = 256;

// Writes all of data, waiting for the socket at most until the deadline.
bool WriteAll(int fd, const std::string& data, Clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) return false;
  }
  return true;
}

std::string PeerOf(const sockaddr_storage& ss, socklen_t len) {
  try {
    return Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len).host().toString();
  } catch (const Poco::Exception&) {
    return "unknown";
  }
}

// No more connections than file descriptors allow, with room for the rest of the process.
size_t FitToDescriptorLimit(size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return wanted;
  if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < wanted + 64) {
    rlimit raised = rl;
    raised.rlim_cur = std::min<rlim_t>(rl.rlim_max, wanted + 64);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  size_t room = rl.rlim_cur > 64 ? static_cast<size_t>(rl.rlim_cur - 64) : 1;
  if (room < wanted) {
    spdlog::warn("at most {} connections: the file descriptor limit is {}", room, rl.rlim_cur);
  }
  return std::min(wanted, room);
}

}  // namespace

HttpListener::HttpListener(HttpListenerOptions options, Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      budget_(FitToDescriptorLimit(options_.max_connections), options_.max_connections_per_client) {}

HttpListener::~HttpListener() { Stop(); }

Status HttpListener::Start() {
  Poco::Net::SocketAddress address;
  try {
    address = Poco::Net::SocketAddress(options_.listen);
  } catch (const Poco::Exception& e) {
    return Status::BadInput("--listen " + options_.listen + ": not an ADDR:PORT (" + e.displayText() + ")",
                            "for example 0.0.0.0:8080, 127.0.0.1:8080 or [::]:8080");
  }
  try {
    socket_.bind(address, /*reuseAddress=*/true);
    socket_.listen(options_.backlog);
    socket_.setBlocking(false);
  } catch (const Poco::Exception& e) {
    return Status::Failed("cannot listen on " + options_.listen + ": " + e.displayText(),
                          "is another process using the port?");
  }
  if (::pipe2(wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    return Status::Failed(std::string("cannot create the wake-up pipe: ") + std::strerror(errno));
  }
  ::fcntl(socket_.impl()->sockfd(), F_SETFD, FD_CLOEXEC);
  bound_address_ = socket_.address().toString();
  listening_ = true;
  started_ = true;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { WorkerLoop(); });
  poll_thread_ = JoiningThread([this] { PollLoop(); });
  return Status::Ok();
}

void HttpListener::Stop() {
  if (!started_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  Wake();
  poll_thread_.Join();  // returns once no connection is busy
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers_stop_ = true;
  }
  work_cv_.notify_all();
  for (JoiningThread& t : workers_) t.Join();
  workers_.clear();
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
  started_ = false;
}

ListenerCounters HttpListener::Counters() const {
  ListenerCounters c;
  c.accepted = accepted_;
  c.open = open_;
  c.shed = shed_;
  c.refused = refused_;
  c.head_timeouts = head_timeouts_;
  c.bad_requests = bad_requests_;
  return c;
}

void HttpListener::Wake() {
  char b = 1;
  ssize_t ignored = ::write(wake_pipe_[1], &b, 1);  // a full pipe is awake enough
  (void)ignored;
}

void HttpListener::PollLoop() {
  std::vector<pollfd> fds;
  std::vector<int> ids;
  for (;;) {
    TakeReturns();
    bool stopping = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stopping_;
    }
    if (stopping) {
      CloseIdleForStop();
      if (busy_ == 0) return;
    }
    Clock::time_point now = Clock::now();
    Clock::time_point next = std::min(now + std::chrono::seconds(1), std::max(now, accept_paused_until_));
    if (accept_paused_until_ <= now) next = now + std::chrono::seconds(1);
    fds.assign({pollfd{wake_pipe_[0], POLLIN, 0}});
    ids.assign({0});
    if (listening_ && now >= accept_paused_until_) {
      fds.push_back(pollfd{socket_.impl()->sockfd(), POLLIN, 0});
      ids.push_back(-1);
    }
    for (const auto& [id, c] : conns_) {
      if (c->state == State::kBusy) continue;
      fds.push_back(pollfd{c->fd, POLLIN, 0});
      ids.push_back(id);
      next = std::min(next, c->deadline);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, wait) + 1));
    if (ready < 0 && errno != EINTR) spdlog::error("poll: {}", std::strerror(errno));
    for (size_t i = 0; ready > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (ids[i] == 0) {
        char sink[256];
        while (::read(wake_pipe_[0], sink, sizeof sink) > 0) {
        }
      } else if (ids[i] == -1) {
        AcceptAll();
      } else {
        auto it = conns_.find(ids[i]);
        if (it != conns_.end() && it->second->state != State::kBusy) ReadFrom(it->second.get());
      }
    }
    ExpireDeadlines(Clock::now());
  }
}

void HttpListener::AcceptAll() {
  for (int i = 0; i < kAcceptsPerWake; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(socket_.impl()->sockfd(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: the pending connection stays in the backlog; pausing keeps the
        // loop from spinning on a listening socket that stays readable.
        spdlog::warn("accept: {}; pausing new connections for 100 ms", std::strerror(errno));
        accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
      }
      return;  // EAGAIN: all taken
    }
    ++accepted_;
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    c->id = next_id_++;
    c->peer = PeerOf(ss, len);
    c->deadline = Clock::now() + options_.header_timeout;
    std::vector<int> evict;
    bool admitted = budget_.Admit(c->id, c->peer, &evict);
    for (int id : evict) {
      ++shed_;
      CloseConn(id);
    }
    if (!admitted) {
      ++refused_;
      ::close(fd);
      continue;
    }
    ++open_;
    conns_[c->id] = std::move(c);
  }
}

void HttpListener::ReadFrom(Conn* c) {
  char buf[kReadChunk];
  ssize_t n = ::recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    CloseConn(c->id);  // the client hung up (or the connection broke)
    return;
  }
  if (c->state == State::kDraining) {
    c->buffer.resize(c->buffer.size() + static_cast<size_t>(n));  // only counted, not kept
    if (c->buffer.size() > kDrainBytes) CloseConn(c->id);
    return;
  }
  c->buffer.append(buf, static_cast<size_t>(n));
  TryDispatch(c);
}

void HttpListener::TryDispatch(Conn* c) {
  size_t start = 0;
  size_t end = FindRequestHeadEnd(c->buffer, &start);
  if (end == 0) {
    if (c->buffer.size() - start > kMaxRequestHeadBytes) {
      ++bad_requests_;
      Job job;
      job.preset = true;
      job.answer = ErrorAnswer(400, "request line and header fields over " +
                                        std::to_string(kMaxRequestHeadBytes / 1024) + " KB");
      job.answer.close = true;
      Dispatch(c, std::move(job));
    }
    return;
  }
  Job job;
  job.head = c->buffer.substr(start, end - start);
  c->buffer.erase(0, end);
  Dispatch(c, std::move(job));
}

void HttpListener::Dispatch(Conn* c, Job job) {
  c->state = State::kBusy;
  budget_.SetBusy(c->id);
  ++busy_;
  job.conn = c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    work_.push_back(std::move(job));
  }
  work_cv_.notify_one();
}

void HttpListener::WorkerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return !work_.empty() || workers_stop_; });
      if (work_.empty()) return;
      job = std::move(work_.front());
      work_.pop_front();
    }
    Serve(job);
  }
}

void HttpListener::Serve(Job& job) {
  Conn* c = job.conn;
  Poco::Net::HTTPRequest request;
  bool head_only = false;
  bool keep = false;
  if (!job.preset) {
    Status parsed = ParseRequestHead(job.head, &request);
    if (!parsed.ok()) {
      ++bad_requests_;
      job.answer = ErrorAnswer(400, parsed.message());
      job.answer.close = true;
    } else {
      try {
        job.answer = handler_(request, c->peer);
      } catch (const std::exception& e) {
        spdlog::error("request {} {}: {}", request.getMethod(), request.getURI(), e.what());
        job.answer = ErrorAnswer(500, "internal error");
      }
      head_only = request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD;
      keep = !job.answer.close && WantsKeepAlive(request) && ++c->served < options_.max_keep_alive_requests;
    }
  }
  bool written = WriteAll(c->fd, FormatAnswer(job.answer, head_only, keep), Clock::now() + options_.write_timeout);
  Returned r;
  r.id = c->id;
  r.after = !written ? After::kClose : keep ? After::kKeep : After::kDrain;
  {
    std::lock_guard<std::mutex> lock(mu_);
    returned_.push_back(r);
  }
  Wake();
}

void HttpListener::TakeReturns() {
  std::vector<Returned> returned;
  bool stopping = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    returned.swap(returned_);
    stopping = stopping_;
  }
  Clock::time_point now = Clock::now();
  for (const Returned& r : returned) {
    auto it = conns_.find(r.id);
    if (it == conns_.end()) continue;
    Conn* c = it->second.get();
    --busy_;
    budget_.SetWaiting(c->id);
    c->state = State::kWaiting;
    if (r.after == After::kClose || (stopping && r.after == After::kKeep)) {
      CloseConn(c->id);
    } else if (r.after == After::kDrain) {
      StartDrain(c, now);
    } else {
      c->deadline = now + options_.keep_alive_timeout;
      TryDispatch(c);  // a pipelined request may be there already
    }
  }
}

void HttpListener::StartDrain(Conn* c, Clock::time_point now) {
  ::shutdown(c->fd, SHUT_WR);
  c->state = State::kDraining;
  c->buffer.clear();
  c->deadline = now + kDrainTime;
}

void HttpListener::ExpireDeadlines(Clock::time_point now) {
  std::vector<int> expired;
  for (const auto& [id, c] : conns_) {
    if (c->state != State::kBusy && c->deadline <= now) expired.push_back(id);
  }
  for (int id : expired) {
    Conn* c = conns_[id].get();
    if (c->state == State::kWaiting) {
      ++head_timeouts_;
      if (!c->buffer.empty()) {
        const std::string timeout =
            FormatAnswer(ErrorAnswer(408, "the request head did not arrive in time"), false, false);
        ssize_t ignored = ::send(c->fd, timeout.data(), timeout.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)ignored;
      }
    }
    CloseConn(id);
  }
}

void HttpListener::CloseIdleForStop() {
  if (listening_) {
    socket_.close();
    listening_ = false;
  }
  std::vector<int> idle;
  for (const auto& [id, c] : conns_) {
    if (c->state != State::kBusy) idle.push_back(id);
  }
  for (int id : idle) CloseConn(id);
}

void HttpListener::CloseConn(int id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  ::close(it->second->fd);
  budget_.Remove(id);
  conns_.erase(it);
  --open_;
}

}  // namespace bamort
