// bamort-migrate: applies the pending migrations under the deployment lock.
#include "app/job_support.h"
#include "app/migration_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli(
      "migrate", "bring the database schema to the version this build requires",
      "Applies pending migrations in order, each recorded in migration_history before its first\n"
      "statement and marked applied after its last. MariaDB commits DDL implicitly, so a failure\n"
      "halfway leaves a dirty record (statement, errno, message) and exit code 4; a dirty database\n"
      "is refused (exit 3) until it is restored from the pre-deploy backup or repaired with --repair.\n"
      "With nothing pending it exits 0 at once, without waiting for the lock.");
  cli.WithDatabase()
      .WithDryRun("rehearse on a private copy of the database and print the statements that ran there; "
                  "change nothing");
  bamort::MigrateFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunMigrate(cli, flags, &run); });
}
