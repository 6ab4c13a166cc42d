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
                  "change nothing")
      .Flag("to-version", "X.Y.Z", "stop at this DB version instead of the latest")
      .Flag("rehearse-import", "PACKAGE|DIR|FILE",
            "with --dry-run: after the migrations succeeded on the private copy, import this master data "
            "there too (as bamort-import-masterdata --source); its counts and refusals are the dry run's")
      .Flag("lock-timeout", "SECONDS", "wait this long for the deployment lock (default 60)")
      .Flag("require-backup", "REPORT", "refuse to run without this ok bamort-backup report of the same database")
      .Flag("backup-max-age", "SECONDS", "how old the required backup may be (default 86400)")
      .Switch("repair", "remove the dirty record after you fixed the database by hand; the next migrate "
                        "re-runs that migration from its first statement");
  bamort::AddMigrationsDirFlag(&cli);
  bamort::AddDdlLockWaitFlags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunMigrate(cli, &run); });
}
