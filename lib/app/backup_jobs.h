// The bodies of bamort-backup and bamort-restore (docs/BACKUP.md). Each reads its flags
// from the JobCli its main() declared (AddBackupFlags / AddRestoreFlags), fills the
// report, and returns the Status that becomes the exit code.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

void AddBackupFlags(JobCli* cli);
void AddRestoreFlags(JobCli* cli);
Status RunBackup(const JobCli& cli, JobRun* run);
Status RunRestore(const JobCli& cli, JobRun* run);

}  // namespace bamort
