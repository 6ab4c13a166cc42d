// bamort-status: versions, compatibility, pending migrations, dirty state, lock holder.
#include "app/job_support.h"
#include "app/migration_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("status", "show the database's version, compatibility and pending migrations",
                     "Reads the version tables (schema_version, migration_history) and compares them with the\n"
                     "migrations built into this binary. Changes nothing. Exit 0 when the database fits this\n"
                     "build exactly and its schema is that version's schema; 3 when it is behind (migration\n"
                     "needed: a state, logged at info level), ahead (backend too old), dirty, or drifted\n"
                     "(recorded at the version but shaped otherwise; the differences are listed).");
  cli.WithDatabase();
  bamort::StatusFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunStatus(flags, &run); });
}
