// Wall-clock helpers. Times in reports are RFC 3339 UTC with milliseconds; times in the
// GORM-made version tables are Unix seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace bamort {

using SystemTime = std::chrono::system_clock::time_point;

std::string FormatRfc3339(SystemTime t);
int64_t UnixSeconds(SystemTime t);
// Parses what FormatRfc3339 writes (and the same without milliseconds); false if malformed.
bool ParseRfc3339(const std::string& text, SystemTime* out);

// The jobs' clock: the system clock, unless a test-only binary replaced it
// (tests/faults/install_hooks.cc); shipped binaries never do.
SystemTime Now();
void ReplaceClockForTest(std::function<SystemTime()> now);

}  // namespace bamort
