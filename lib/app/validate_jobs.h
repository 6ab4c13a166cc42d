// The bodies of bamort-validate and bamort-init.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

Status RunValidate(const JobCli& cli, JobRun* run);


}  // namespace bamort
