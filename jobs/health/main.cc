// bamort-health: serve the health, version and metrics endpoints (not implemented yet: see the health issue (#8)).
#include "app/job_support.h"
#include "app/not_implemented.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("health", "serve the health, version and metrics endpoints", "Not implemented yet: see the health issue (#8).");
  cli.WithDatabase().WithDryRun();
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::NotImplementedYet(cli, &run, "see the health issue (#8)"); });
}
