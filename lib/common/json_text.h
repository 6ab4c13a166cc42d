// JSON string escaping for code that writes JSON text by hand (log lines, the master-data
// export whose byte layout must be reproducible): raw UTF-8, only '"', '\\' and control
// characters escaped.
#pragma once

#include <string>

namespace bamort {

std::string JsonEscape(const std::string& text);  // without the surrounding quotes
inline std::string JsonQuote(const std::string& text) { return "\"" + JsonEscape(text) + "\""; }

}  // namespace bamort
