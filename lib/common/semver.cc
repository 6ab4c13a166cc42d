#include "common/semver.h"

#include <cctype>

namespace bamort {

Status SemVer::Parse(std::string_view text, SemVer* out) {
  std::string_view s = text;
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  unsigned parts[3] = {0, 0, 0};
  int part = 0;
  bool have_digit = false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (parts[part] > 100000000u) return Status::BadInput("version '" + std::string(text) + "': number too large");
      parts[part] = parts[part] * 10 + static_cast<unsigned>(c - '0');
      have_digit = true;
    } else if (c == '.' && have_digit && part < 2) {
      ++part;
      have_digit = false;
    } else {
      return Status::BadInput("version '" + std::string(text) + "' is not MAJOR.MINOR.PATCH");
    }
  }
  if (part != 2 || !have_digit) {
    return Status::BadInput("version '" + std::string(text) + "' is not MAJOR.MINOR.PATCH");
  }
  out->major = parts[0];
  out->minor = parts[1];
  out->patch = parts[2];
  return Status::Ok();
}

std::string SemVer::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

int SemVer::Compare(const SemVer& o) const {
  if (major != o.major) return major < o.major ? -1 : 1;
  if (minor != o.minor) return minor < o.minor ? -1 : 1;
  if (patch != o.patch) return patch < o.patch ? -1 : 1;
  return 0;
}

}  // namespace bamort
