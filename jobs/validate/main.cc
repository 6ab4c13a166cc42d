// bamort-validate: compare the live schema and data with the expected schema (not implemented yet: see the validate/init issue (#4)).
#include "app/job_support.h"
#include "app/not_implemented.h"

int main(int argc, char** argv) {
  bamort::JobCli cli("validate", "compare the live schema and data with the expected schema", "Not implemented yet: see the validate/init issue (#4).");
  cli.WithDatabase().WithDryRun();
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::NotImplementedYet(cli, &run, "see the validate/init issue (#4)"); });
}
