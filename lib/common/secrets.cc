#include "common/secrets.h"

#include <mutex>
#include <vector>

namespace bamort {

namespace {
std::mutex g_mutex;
std::vector<std::string>& Secrets() {
  static std::vector<std::string> secrets;
  return secrets;
}
}  // namespace

void RegisterSecret(const std::string& secret) {
  // Very short secrets would redact ordinary words; a 1-3 character password is still
  // kept out of every message we build ourselves, this is the second line of defence.
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  Secrets().push_back(secret);
}

std::string Redact(std::string text) {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (const std::string& s : Secrets()) {
    size_t pos = 0;
    while ((pos = text.find(s, pos)) != std::string::npos) {
      text.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return text;
}

}  // namespace bamort
