// The body of a job whose work a later issue delivers: it already has the shared flags,
// config, logging and report, and says plainly that it does nothing yet (exit 2).
#pragma once

#include <string>

#include "cli/job_cli.h"

namespace bamort {

Status NotImplementedYet(const JobCli& cli, JobRun* run, const std::string& tracking_note);

}  // namespace bamort
