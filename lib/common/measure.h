// How jobs measure and print what they did: milliseconds since a start time, and a
// byte count for people ("1.4 MB").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bamort {

int64_t MsSince(std::chrono::steady_clock::time_point start);
// "512 B", "1.4 MB", "3.0 GB" (powers of 1024).
std::string HumanBytes(uint64_t n);

}  // namespace bamort
