// bamort-export-masterdata: export the master data by natural key (format 2.0) (not implemented yet: see the master-data issue (#6)).
#include "app/job_support.h"
#include "app/not_implemented.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("export-masterdata", "export the master data by natural key (format 2.0)", "Not implemented yet: see the master-data issue (#6).");
  cli.WithDatabase().WithDryRun();
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::NotImplementedYet(cli, &run, "see the master-data issue (#6)"); });
}
