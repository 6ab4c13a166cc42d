// bamort-backup: verified backup of the database (SQL dump and JSON export) with retention (not implemented yet: see the backup issue (#5)).
#include "app/job_support.h"
#include "app/not_implemented.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("backup", "verified backup of the database (SQL dump and JSON export) with retention", "Not implemented yet: see the backup issue (#5).");
  cli.WithDatabase().WithDryRun();
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::NotImplementedYet(cli, &run, "see the backup issue (#5)"); });
}
