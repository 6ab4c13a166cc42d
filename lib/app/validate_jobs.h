// The body of bamort-validate: its flags (declared here, once) onto ValidationOptions
// (lib/validate/validation.h), the ValidationRun onto the report, the summary (or --json)
// and the exit code.
#pragma once

#include "app/job_support.h"
#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

struct ValidateFlags {
  explicit ValidateFlags(JobCli* cli)
      : json(cli->AddSwitch("json", "print the validation result as JSON on stdout")),
        repair_additive(cli->AddSwitch("repair-additive",
                                       "create missing tables and add missing columns and indexes from the expected "
                                       "schema (never drops or changes anything), then validate again")),
        lock_timeout(DeclareLockTimeout(cli, "with --repair-additive: ")),
        print_schema(cli->AddSwitch("print-schema",
                                    "print the live schema as JSON (the format of lib/schema/expected/) and exit")),
        migrations_dir(DeclareMigrationsDir(cli)) {}
  SwitchFlag json, repair_additive;
  IntFlag lock_timeout;
  SwitchFlag print_schema;
  TextFlag migrations_dir;
};

Status RunValidate(const JobCli& cli, const ValidateFlags& flags, JobRun* run);

}  // namespace bamort
