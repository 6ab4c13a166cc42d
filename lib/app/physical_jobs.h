// The app side of physical backup sets (docs/BACKUP.md, "Physical sets"): the flags of
// `bamort-backup --physical` and `bamort-restore --physical`, turned into the options of
// the engines (backup/physical_backup.h, backup/physical_restore.h), and their results
// turned into the report's details and the exit code.
#pragma once

#include "app/backup_jobs.h"
#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

// The flags this unit declares, read typed (cli/job_cli.h). The logical backup's and
// restore's own flags that a physical run also reads (--out-dir, --retention-days, ...)
// stay declared by them (app/backup_jobs.h) and come in as their BackupFlags/RestoreFlags.
struct PhysicalBackupFlags {
  SwitchFlag physical, datadir_mounted;
  TextFlag mariadb_backup;
};
struct PhysicalRestoreFlags {
  SwitchFlag physical, check_only;
  TextFlag datadir, start_command, mariadb_backup;
  IntFlag start_timeout;
};

PhysicalBackupFlags AddPhysicalBackupFlags(JobCli* cli);
PhysicalRestoreFlags AddPhysicalRestoreFlags(JobCli* cli);
// For a physical run: bamort-backup with --physical and without --list, bamort-restore with --physical.
Status RunPhysicalBackup(const JobCli& cli, const BackupFlags& backup, const PhysicalBackupFlags& flags,
                         JobRun* run);
Status RunPhysicalRestore(const JobCli& cli, const RestoreFlags& restore, const PhysicalRestoreFlags& flags,
                          JobRun* run);

}  // namespace bamort
