// bamort-rollback: runs down parts in reverse order.
#include "app/job_support.h"
#include "app/migration_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("rollback", "undo applied migrations with their down parts",
                     "Runs the down parts of the last N migrations (--steps) or down to a version\n"
                     "(--to-version), newest first, under the deployment lock, and records the version now in\n"
                     "force. Refuses (exit 3, nothing changed) when a migration in range has no down part;\n"
                     "restore a backup in that case. A rollback whose down parts drop tables or columns that\n"
                     "hold data (the dry run lists them) needs --require-backup with a fresh ok report of\n"
                     "bamort-backup --verify, like bamort-migrate.");
  cli.WithDatabase()
      .WithDryRun("print the down SQL that would run and change nothing");
  bamort::RollbackFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunRollback(cli, flags, &run); });
}
