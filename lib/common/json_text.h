// JSON string escaping for code that writes JSON text by hand (log lines, the master-data
// export whose byte layout must be reproducible): raw UTF-8, only '"', '\\' and control
// characters escaped.
#pragma once

#include <string>
#include <string_view>

namespace bamort {

// Appends text escaped (without quotes) to out; runs of bytes that need no escape are
// copied in one piece (the backup's JSON export escapes ~1 GB of base64 images).
void AppendJsonEscaped(std::string_view text, std::string* out);
std::string JsonEscape(const std::string& text);  // without the surrounding quotes
inline std::string JsonQuote(const std::string& text) { return "\"" + JsonEscape(text) + "\""; }

}  // namespace bamort
