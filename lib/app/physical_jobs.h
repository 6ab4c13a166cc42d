// The app side of physical backup sets (docs/BACKUP.md, "Physical sets"): the flags of
// `bamort-backup --physical` and `bamort-restore --physical`, turned into the options of
// the engines (backup/physical_backup.h, backup/physical_restore.h), and their results
// turned into the report's details and the exit code.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

void AddPhysicalBackupFlags(JobCli* cli);
void AddPhysicalRestoreFlags(JobCli* cli);
// True when the run is a physical one (--physical, and for backup not --list).
bool WantsPhysical(const JobCli& cli);
Status RunPhysicalBackup(const JobCli& cli, JobRun* run);
Status RunPhysicalRestore(const JobCli& cli, JobRun* run);

}  // namespace bamort
