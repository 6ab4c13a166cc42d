// The bodies of bamort-backup and bamort-restore (docs/BACKUP.md). Each reads its flags
// through the handles AddBackupFlags / AddRestoreFlags declared, maps them onto the
// engine's options (backup/logical_backup.h, backup/restore.h), fills the report from the
// engine's result, and returns the Status that becomes the exit code.
#pragma once

#include "app/job_support.h"
#include "cli/job_cli.h"
#include "common/status.h"
#include "server/private_server.h"

namespace bamort {

// The flags of bamort-backup's logical backup, declared once (AddBackupFlags) and read
// typed next to the options mapping (backup_jobs.cc BackupOptionsFromFlags).
struct BackupFlags {
  TextFlag out_dir;
  SwitchFlag verify;
  TextFlag verify_in;
  TextFlag verify_tmpdir;
  TextFlag verify_buffer_pool;
  SwitchFlag list;
  SwitchFlag json;
  IntFlag retention_days;
  IntFlag keep_min;
  SwitchFlag no_retention;
  IntFlag lock_timeout;
};
// The flags of bamort-restore (RestoreOptionsFromFlags).
struct RestoreFlags {
  TextFlag backup;
  TextFlag from;
  TextFlag target_db;
  SwitchFlag replace;
  IntFlag lock_timeout;
  DdlLockWaitFlags ddl_lock_wait;
};

BackupFlags AddBackupFlags(JobCli* cli);
// Shared with the physical backup (app/physical_jobs.cc): --out-dir, else $BAMORT_BACKUP_DIR,
// else /backups; --verify-tmpdir and --verify-buffer-pool onto the private verify server's
// options (kBadInput for a size mariadbd would not take).
std::string BackupOutDir(const BackupFlags& flags);
Status VerifyServerFromFlags(const BackupFlags& flags, PrivateServerOptions* out);
RestoreFlags AddRestoreFlags(JobCli* cli);
Status RunBackup(const JobCli& cli, const BackupFlags& flags, JobRun* run);
Status RunRestore(const JobCli& cli, const RestoreFlags& flags, JobRun* run);

}  // namespace bamort
