// bamort-init: initialise a new installation (not implemented yet: see the validate/init issue (#4)).
#include "app/job_support.h"
#include "app/not_implemented.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("init", "initialise a new installation", "Not implemented yet: see the validate/init issue (#4).");
  cli.WithDatabase().WithDryRun();
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::NotImplementedYet(cli, &run, "see the validate/init issue (#4)"); });
}
