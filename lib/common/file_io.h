// Whole-file reads and crash-safe writes. WriteFileAtomic writes a temp file beside the
// target, fsyncs it and renames it over the target, so a reader sees either the old
// file or the complete new one, never a half-written file.
#pragma once

#include <string>

#include "common/status.h"

namespace bamort {

Status ReadFileToString(const std::string& path, std::string* out);
// mode is applied to the temp file before any byte is written (0600 for anything that
// could hold data of the database).
Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode = 0644);
Status MakeDirs(const std::string& path);

}  // namespace bamort
