// SemVer: a MAJOR.MINOR.PATCH version compared numerically (0.10.0 > 0.9.0), never as
// text. Used for DB versions and backend versions alike.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace bamort {

struct SemVer {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned patch = 0;

  // Accepts exactly three dot-separated decimal numbers ("0.4.0"); an optional leading
  // 'v' is tolerated because release tags carry one.
  static Status Parse(std::string_view text, SemVer* out);
  std::string ToString() const;

  int Compare(const SemVer& other) const;
  bool operator<(const SemVer& o) const { return Compare(o) < 0; }
  bool operator>(const SemVer& o) const { return Compare(o) > 0; }
  bool operator==(const SemVer& o) const { return Compare(o) == 0; }
  bool operator!=(const SemVer& o) const { return Compare(o) != 0; }
  bool operator<=(const SemVer& o) const { return Compare(o) <= 0; }
  bool operator>=(const SemVer& o) const { return Compare(o) >= 0; }
};

}  // namespace bamort
