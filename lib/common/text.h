// Small string tests the engines share (prefixes and suffixes of names and dump lines),
// so that each file does not carry its own copy.
#pragma once

#include <string_view>

namespace bamort {

inline bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

inline bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace bamort
