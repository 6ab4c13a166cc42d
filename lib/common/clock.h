// Wall-clock helpers. Times in reports are RFC 3339 UTC with milliseconds; times in the
// GORM-made version tables are Unix seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bamort {

using SystemTime = std::chrono::system_clock::time_point;

std::string FormatRfc3339(SystemTime t);
int64_t UnixSeconds(SystemTime t);
// Parses what FormatRfc3339 writes (and the same without milliseconds); false if malformed.
bool ParseRfc3339(const std::string& text, SystemTime* out);

// The clock of the process's Env (common/env.h): the system clock, unless a test-only
// binary installed another Env (tests/faults/install_hooks.cc); shipped binaries never do.
// An engine with an Env* among its dependencies asks that one instead.
SystemTime Now();

}  // namespace bamort
