#include "health/connection_budget.h"

#include <algorithm>

namespace bamort {

ConnectionBudget::ConnectionBudget(size_t max_total, size_t max_per_client)
    : max_total_(std::max<size_t>(1, max_total)), max_per_client_(std::max<size_t>(1, max_per_client)) {}

size_t ConnectionBudget::of_client(const std::string& client) const {
  auto it = count_by_client_.find(client);
  return it == count_by_client_.end() ? 0 : it->second;
}

bool ConnectionBudget::EvictOldest(const Waiting& from, std::vector<int>* evict) {
  if (from.empty()) return false;
  int id = from.begin()->second;  // copied: Remove changes `from`
  Remove(id);
  evict->push_back(id);
  return true;
}

bool ConnectionBudget::Admit(int id, const std::string& client, std::vector<int>* evict) {
  while (of_client(client) >= max_per_client_) {
    auto it = waiting_by_client_.find(client);
    if (it == waiting_by_client_.end() || !EvictOldest(it->second, evict)) return false;
  }
  while (entries_.size() >= max_total_) {
    if (!EvictOldest(waiting_, evict)) return false;
  }
  Entry e;
  e.client = client;
  e.seq = next_seq_++;
  entries_[id] = e;
  waiting_.insert({e.seq, id});
  waiting_by_client_[client].insert({e.seq, id});
  ++count_by_client_[client];
  return true;
}

void ConnectionBudget::SetBusy(int id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.busy) return;
  Entry& e = it->second;
  waiting_.erase({e.seq, id});
  auto w = waiting_by_client_.find(e.client);
  w->second.erase({e.seq, id});
  if (w->second.empty()) waiting_by_client_.erase(w);
  e.busy = true;
}

void ConnectionBudget::SetWaiting(int id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.busy) return;
  Entry& e = it->second;
  e.busy = false;
  e.seq = next_seq_++;
  waiting_.insert({e.seq, id});
  waiting_by_client_[e.client].insert({e.seq, id});
}

void ConnectionBudget::Remove(int id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const Entry& e = it->second;
  if (!e.busy) {
    waiting_.erase({e.seq, id});
    auto w = waiting_by_client_.find(e.client);
    if (w != waiting_by_client_.end()) {
      w->second.erase({e.seq, id});
      if (w->second.empty()) waiting_by_client_.erase(w);
    }
  }
  auto c = count_by_client_.find(e.client);
  if (c != count_by_client_.end() && --c->second == 0) count_by_client_.erase(c);
  entries_.erase(it);
}

}  // namespace bamort
