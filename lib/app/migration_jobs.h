// The bodies of bamort-status, bamort-migrate and bamort-rollback. Each reads its flags
// from the JobCli its main() declared, fills the report, and returns the Status that
// becomes the exit code.
#pragma once

#include "app/job_support.h"
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

// --require-backup REPORT and --backup-max-age SECONDS (migrate and rollback).
struct RequiredBackupFlags {
  TextFlag report;
  IntFlag max_age;
};

// The flags of bamort-migrate, declared once.
struct MigrateFlags {
  explicit MigrateFlags(JobCli* cli);
  TextFlag to_version, rehearse_import;
  IntFlag lock_timeout;
  RequiredBackupFlags backup;
  SwitchFlag repair;
  TextFlag migrations_dir;
  DdlLockWaitFlags ddl_lock_wait;
};
Status RunMigrate(const JobCli& cli, const MigrateFlags& flags, JobRun* run);

// The flags of bamort-rollback, declared once.
struct RollbackFlags {
  explicit RollbackFlags(JobCli* cli);
  IntFlag steps;
  TextFlag to_version;
  IntFlag lock_timeout;
  RequiredBackupFlags backup;
  TextFlag migrations_dir;
  DdlLockWaitFlags ddl_lock_wait;
};
Status RunRollback(const JobCli& cli, const RollbackFlags& flags, JobRun* run);

}  // namespace bamort
