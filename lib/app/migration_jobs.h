// The bodies of bamort-status, bamort-migrate and bamort-rollback. Each reads its flags
// from the JobCli its main() declared, fills the report, and returns the Status that
// becomes the exit code.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

// The flags of bamort-status, declared once (docs/ARCHITECTURE.md, "Adding a flag").
struct StatusFlags {
  explicit StatusFlags(JobCli* cli);
  SwitchFlag json;
  SwitchFlag history;
  TextFlag migrations_dir;
};
Status RunStatus(const StatusFlags& flags, JobRun* run);
Status RunMigrate(const JobCli& cli, JobRun* run);
Status RunRollback(const JobCli& cli, JobRun* run);

}  // namespace bamort
