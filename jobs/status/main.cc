// bamort-status: versions, compatibility, pending migrations, dirty state, lock holder.
#include "app/job_support.h"
#include "app/migration_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("status", "show the database's version, compatibility and pending migrations",
                     "Reads the version tables (schema_version, migration_history) and compares them with the\n"
                     "migrations built into this binary. Changes nothing. Exit 0 when the database fits this\n"
                     "build exactly, 3 when it is behind (migration needed), ahead (backend too old) or dirty.");
  cli.WithDatabase().Switch("json", "print the status as JSON on stdout");
  bamort::AddMigrationsDirFlag(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunStatus(cli, &run); });
}
