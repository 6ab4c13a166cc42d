// bamort-import-masterdata: imports master data by natural key, in one transaction.
#include "app/job_support.h"
#include "app/masterdata_jobs.h"
#include "common/huge_page_heap.h"

int main(int argc, char** argv) {
  bamort::UseHugePageHeap(argv);
  bamort::JobCli cli(
      "import-masterdata", "import master data by natural key, all or nothing",
      "Reads a deployment package (checksums verified first; unsafe entries refused), a format-2.0\n"
      "directory or document, or the upstream's format-1.0 directory (transformed to 2.0, each step\n"
      "logged), and upserts every entity by natural key in dependency order, in one transaction.\n"
      "Names match the way MariaDB compares them (utf8mb4_unicode_ci). Rows only in the database are\n"
      "counted and kept unless --prune. A reference that does not resolve fails the import naming\n"
      "file, record and field (exit 2, nothing written). Takes the deployment lock.\n"
      "Refused with exit 3, nothing written: the sample master data shipped with the tool (its\n"
      "header says \"sample\") on a database that already holds master data, and an import that\n"
      "would update or delete more than --max-change-percent of a table's rows (tables of at\n"
      "least 20 rows). The dry run reports the same counts and a sample of changed fields.\n"
      "See docs/MASTERDATA.md.");
  cli.WithDatabase()
      .WithDryRun("run the same import inside a transaction that is rolled back: same counts, changes, refusals");
  bamort::ImportFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunImportMasterDataJob(cli, flags, &run); });
}
