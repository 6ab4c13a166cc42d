#include "app/not_implemented.h"

namespace bamort {

Status NotImplementedYet(const JobCli& cli, JobRun* run, const std::string& tracking_note) {
  run->report().details->set("implemented", false);
  // The shared configuration is checked all the same, so a deployment script finds a
  // bad setting before the job exists.
  DbConfig config;
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&config));
  return Status::BadInput("bamort-" + cli.job() + " is not implemented yet: " + tracking_note);
}

}  // namespace bamort
