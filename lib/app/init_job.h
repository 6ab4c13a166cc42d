// The body of bamort-init: its flags (declared here, once) onto InitOptions
// (lib/init/init.h), the engine's InitResult onto the report and the dry run's plan.
#pragma once

#include "app/job_support.h"
#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

struct InitFlags {
  explicit InitFlags(JobCli* cli)
      : admin_user(cli->AddText("admin-user", "NAME", "user name of the admin (default admin)")),
        admin_email(cli->AddText("admin-email", "EMAIL", "e-mail address of the admin (optional)")),
        admin_role(cli->AddText("admin-role", "ROLE", "role of the admin user (default admin)")),
        admin_password_file(cli->AddText("admin-password-file", "FILE",
                                         "file holding the admin password (or set BAMORT_ADMIN_PASSWORD)")),
        masterdata(cli->AddText("masterdata", "DIR|PACKAGE",
                                "master data to import (default: the SAMPLE set shipped with the tool, invented "
                                "records)")),
        no_masterdata(cli->AddSwitch("no-masterdata", "create schema and admin user only")),
        lock_timeout(DeclareLockTimeout(cli)),
        migrations_dir(DeclareMigrationsDir(cli)) {}
  TextFlag admin_user, admin_email, admin_role, admin_password_file, masterdata;
  SwitchFlag no_masterdata;
  IntFlag lock_timeout;
  TextFlag migrations_dir;
};

Status RunInit(const JobCli& cli, const InitFlags& flags, JobRun* run);

}  // namespace bamort
