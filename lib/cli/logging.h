// Logging for every job: spdlog to stderr, as readable text or as one JSON object per
// line (--log-format json) for log collectors. Every message passes through Redact(),
// so the DB password cannot leave the process in a log line.
#pragma once

#include <string>

#include "common/status.h"

namespace bamort {

// format: "text" or "json". job appears in every JSON line.
Status SetupLogging(const std::string& job, const std::string& format, bool verbose);

}  // namespace bamort
