#include "common/clock.h"

#include <cstdio>
#include <ctime>

#include "common/env.h"

namespace bamort {

SystemTime Now() { return Env::Default()->Now(); }

std::string FormatRfc3339(SystemTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

int64_t UnixSeconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool ParseRfc3339(const std::string& text, SystemTime* out) {
  std::tm tm{};
  int ms = 0;
  char tail[8] = {0};
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                      &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, tail);
  if (n != 8) {
    ms = 0;
    n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, tail);
    if (n != 7) return false;
  }
  if (std::string(tail) != "Z") return false;
  // Out-of-range fields would be normalised by timegm, and a year far from 1970 overflows
  // the nanosecond system_clock (found by fuzzing the report reader: year 1013 is signed
  // integer overflow). Reports and BAMORT_TEST_NOW only ever hold 1970..2200.
  if (tm.tm_year < 1970 || tm.tm_year > 2200 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
      tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 60 || ms < 0 || ms > 999) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return false;
  *out = SystemTime(std::chrono::seconds(secs)) + std::chrono::milliseconds(ms);
  return true;
}

}  // namespace bamort
