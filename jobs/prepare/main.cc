// bamort-prepare: builds the deployment package (tar.gz) of the master data.
#include "app/job_support.h"
#include "app/masterdata_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli(
      "prepare", "build a deployment package: masterdata/, metadata.json, checksums.txt",
      "Exports the master data of the database (or packages an existing export given with --from,\n"
      "format 2.0 or the upstream's 1.0, which is transformed first) into a tar.gz holding\n"
      "masterdata/ (format 2.0), metadata.json (versions, time, records per entity) and checksums.txt\n"
      "(sha256 of every other file). bamort-import-masterdata --source verifies those checksums before\n"
      "it reads anything. See docs/MASTERDATA.md.");
  cli.WithDatabase();
  bamort::PrepareFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunPrepare(cli, flags, &run); });
}
