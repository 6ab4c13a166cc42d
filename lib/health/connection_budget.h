// ConnectionBudget: how many connections bamort-health holds, in total and per client
// address, and which one goes when a new one arrives at a full budget.
//
// A connection is either waiting (for its request head: new, or idle between keep-alive
// requests) or busy (a worker is answering it). A new connection is always admitted if
// room can be made: at the per-client cap the oldest waiting connection of that client
// is closed, at the total cap the oldest waiting connection of anyone. A busy connection
// is never closed for room; when every held connection is busy the new one is refused.
// So idle or dribbling connections can never lock out a client that sends its request
// at once: it is the newest, and the oldest waiting go first.
//
// Not thread-safe: HttpListener's poll thread is its only user. Ids are the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace bamort {

class ConnectionBudget {
 public:
  ConnectionBudget(size_t max_total, size_t max_per_client);

  // Admits connection `id` from `client` as waiting. *evict: connections the caller must
  // close first (already forgotten here). false: no room (all busy); id is not admitted.
  bool Admit(int id, const std::string& client, std::vector<int>* evict);
  // A worker takes the connection (busy) or hands it back for the next request (waiting,
  // and then the newest waiting one).
  void SetBusy(int id);
  void SetWaiting(int id);
  void Remove(int id);

  size_t total() const { return entries_.size(); }
  size_t of_client(const std::string& client) const;
  size_t max_total() const { return max_total_; }
  size_t max_per_client() const { return max_per_client_; }

 private:
  struct Entry {
    std::string client;
    uint64_t seq = 0;  // order of (re)entering the waiting state
    bool busy = false;
  };
  using Waiting = std::set<std::pair<uint64_t, int>>;  // (seq, id), oldest first

  // Closes the oldest waiting connection in `from`; false when there is none.
  bool EvictOldest(const Waiting& from, std::vector<int>* evict);

  const size_t max_total_;
  const size_t max_per_client_;
  uint64_t next_seq_ = 0;
  std::map<int, Entry> entries_;
  Waiting waiting_;
  std::map<std::string, Waiting> waiting_by_client_;
  std::map<std::string, size_t> count_by_client_;
};

}  // namespace bamort
