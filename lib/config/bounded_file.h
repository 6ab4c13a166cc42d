// ReadFileBounded: reads a small configuration file (a password file, an environment
// file) without trusting its size: at most max_bytes are kept, so pointing a setting at
// /dev/zero or a dump ends with a clear "too large" instead of eating memory.
// Messages name the path, never the content.
#pragma once

#include <string>

#include "common/status.h"

namespace bamort {

// kBadInput "cannot read PATH: <reason>" / "PATH is a directory" / "PATH is larger than
// N bytes". Works on regular files, pipes and /dev/stdin alike.
Status ReadFileBounded(const std::string& path, size_t max_bytes, std::string* out);

}  // namespace bamort
