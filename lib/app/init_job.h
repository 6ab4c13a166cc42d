// The body of bamort-init: its flags onto InitOptions (lib/init/init.h), the engine's
// InitResult onto the report and the dry run's plan.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

Status RunInit(const JobCli& cli, JobRun* run);

}  // namespace bamort
