// The body of bamort-validate: its flags onto ValidationOptions (lib/validate/validation.h),
// the ValidationRun onto the report, the summary (or --json) and the exit code.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

Status RunValidate(const JobCli& cli, JobRun* run);

}  // namespace bamort
