// bamort-init: a new installation on an empty database.
#include "app/init_job.h"
#include "app/job_support.h"
#include "common/huge_page_heap.h"

int main(int argc, char** argv) {
  bamort::UseHugePageHeap(argv);
  bamort::JobCli cli(
      "init", "initialise a new installation on an empty database",
      "Creates the latest schema by applying every migration (so version tracking shows the\n"
      "database at the required version with every migration recorded), imports the master\n"
      "data (without --masterdata: the invented sample set shipped with the tool, said so in the\n"
      "log and the report), and creates the admin user. Refuses a database that has any table (exit 3,\n"
      "nothing changed): existing installations are upgraded with bamort-migrate.\n"
      "The admin password comes from --admin-password-file or BAMORT_ADMIN_PASSWORD, never\n"
      "the command line; it is stored the way the Bamort backend checks it (unsalted MD5).");
  cli.WithDatabase().WithDryRun("print the plan and change nothing");
  bamort::InitFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunInit(cli, flags, &run); });
}
