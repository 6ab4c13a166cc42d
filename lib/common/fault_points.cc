#include "common/fault_points.h"

#include <map>

namespace bamort {

namespace {

std::map<std::string, std::function<void()>>& Hooks() {
  static std::map<std::string, std::function<void()>> hooks;
  return hooks;
}

std::map<std::string, std::function<std::optional<std::string>()>>& SqlHooks() {
  static std::map<std::string, std::function<std::optional<std::string>()>> hooks;
  return hooks;
}

}  // namespace

void FaultPoint(const char* name) {
  auto& hooks = Hooks();
  if (hooks.empty()) return;
  auto it = hooks.find(name);
  if (it != hooks.end()) it->second();
}

std::optional<std::string> FaultPointSql(const char* name) {
  auto& hooks = SqlHooks();
  if (hooks.empty()) return std::nullopt;
  auto it = hooks.find(name);
  if (it == hooks.end()) return std::nullopt;
  return it->second();
}

void InstallFaultPoint(const std::string& name, std::function<void()> hook) { Hooks()[name] = std::move(hook); }

void InstallFaultPointSql(const std::string& name, std::function<std::optional<std::string>()> hook) {
  SqlHooks()[name] = std::move(hook);
}

}  // namespace bamort
