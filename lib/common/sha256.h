// SHA-256 of strings and files, as lowercase hex (what sha256sum prints).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace bamort {

std::string Sha256Hex(std::string_view data);
Status Sha256OfFile(const std::string& path, std::string* hex, uint64_t* size = nullptr);

}  // namespace bamort
