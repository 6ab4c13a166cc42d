// bamort-health as a job: flags, the server's life from start to SIGTERM/SIGINT, and the
// report written at shutdown (requests served by HTTP status, database reads, the last
// known state). The server itself lives in lib/health/.
#pragma once

#include "cli/job_cli.h"

namespace bamort {

// Adds bamort-health's flags to cli.
void AddHealthFlags(JobCli* cli);
// Serves until SIGTERM or SIGINT, then stops gracefully; Ok means a clean shutdown.
Status RunHealth(const JobCli& cli, JobRun* run);

}  // namespace bamort
