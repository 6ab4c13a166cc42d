// The folder a job writes into (bamort-backup's --out-dir, the report's folder), checked
// before the job starts: a path that exists but is not a folder is bad input (exit 2,
// naming the setting and the path), and a folder others may write to without the sticky
// bit (mode o+w without +t: any local user can delete or replace what the job writes
// there) gives a warning, not a refusal. A path that does not exist yet is fine: the job
// creates it. /tmp-like folders (o+w with +t) get no warning: only the owner of a file may
// remove or rename it there. The folder is looked at through env (common/env.h).
#pragma once

#include <string>

#include "common/env.h"
#include "common/status.h"

namespace bamort {

// setting: how the operator named it, e.g. "--out-dir". *warning: empty, or one sentence
// for the log and report.warnings.
Status CheckOutputDir(const std::string& setting, const std::string& dir, std::string* warning,
                      Env* env = Env::Default());

}  // namespace bamort
