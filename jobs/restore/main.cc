// bamort-restore: restores a backup set (SQL dump or JSON export) after checking it.
#include "app/backup_jobs.h"
#include "app/job_support.h"
#include "app/physical_jobs.h"
#include "common/huge_page_heap.h"

int main(int argc, char** argv) {
  bamort::UseHugePageHeap(argv);
  bamort::JobCli cli(
      "restore", "restore a backup set after checking its manifest and every file's sha256",
      "Checks the manifest and the sha256 of every file first: a corrupt, truncated or foreign set is\n"
      "refused with exit 2 and nothing is touched. Then takes the deployment lock on the target database,\n"
      "drops every table, view, routine and event in it, loads the SQL dump (or with --from json the JSON\n"
      "export) and compares every table's row count and CHECKSUM TABLE with the manifest (a difference is\n"
      "exit 4). Without --target-db the configured database is restored, and only from a set of that\n"
      "same database. See docs/BACKUP.md.");
  cli.WithDatabase().WithDryRun("check the set and show what would be restored, change nothing");
  const bamort::RestoreFlags flags = bamort::AddRestoreFlags(&cli);
  const bamort::PhysicalRestoreFlags physical = bamort::AddPhysicalRestoreFlags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] {
    return physical.physical.on() ? bamort::RunPhysicalRestore(cli, flags, physical, &run) : bamort::RunRestore(cli, flags, &run);
  });
}
