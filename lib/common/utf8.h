// UTF-8 checks for text that comes from files we do not control (master-data records,
// package entry names) before it reaches the database, a report or a JSON log line:
// validity as MariaDB's utf8mb4 takes it (no overlong forms, no surrogates, nothing above
// U+10FFFF), the length in characters as VARCHAR(n) counts it, and two ways to make bad
// text safe: visible \xNN escapes for messages, U+FFFD for whole JSON texts.
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bamort {

// True when text is well-formed UTF-8; otherwise *bad_offset (if given) is the offset
// of the first byte that does not belong to a valid sequence.
bool IsValidUtf8(std::string_view text, size_t* bad_offset = nullptr);
// Characters of valid UTF-8 text (bytes that do not start a character are not counted).
size_t Utf8Length(std::string_view text);
// For a message: invalid bytes and control characters as \xNN, the rest as is; cut to
// max_chars characters with "..." appended.
std::string PrintableText(std::string_view text, size_t max_chars = 80);
// Every byte that is not part of a valid sequence replaced by U+FFFD; valid text is
// returned unchanged. For JSON documents and log lines, which must be valid UTF-8.
std::string ReplaceInvalidUtf8(std::string_view text);

}  // namespace bamort
