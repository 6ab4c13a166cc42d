#include "app/not_implemented.h"

namespace bamort {

Status NotImplementedYet(const JobCli& cli, JobRun* run, const std::string& tracking_note) {
  run->report().details->set("implemented", false);
  return Status::BadInput("bamort-" + cli.job() + " is not implemented yet: " + tracking_note);
}

}  // namespace bamort
