// The process-wide list of secrets (the DB password) that must never leave the process
// in a log line, report or error message. The config loader registers the password as
// soon as it is read; the logger and the report writer pass every text through Redact().
// Thread-safe.
#pragma once

#include <string>

namespace bamort {

void RegisterSecret(const std::string& secret);
// Replaces every registered secret in text with "***".
std::string Redact(std::string text);

}  // namespace bamort
