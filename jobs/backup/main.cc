// bamort-backup: verified backup sets (SQL dump, JSON export, manifest) with retention.
#include "app/backup_jobs.h"
#include "app/job_support.h"
#include "app/physical_jobs.h"
#include "common/huge_page_heap.h"

int main(int argc, char** argv) {
  bamort::UseHugePageHeap(argv);
  bamort::JobCli cli(
      "backup", "write a verified backup set of the database (SQL dump, JSON export, manifest) and apply retention",
      "Writes one backup set per run into --out-dir: a folder <database>_<UTC time> holding dump.sql.gz\n"
      "(mariadb-dump --single-transaction --routines --events), export.jsonl.gz (every row of every table)\n"
      "and manifest.json (versions, sha256 and size per file, rows and CHECKSUM TABLE per table). The set\n"
      "is built in a hidden .partial folder and gets its name only when complete. --verify restores the\n"
      "dump into a scratch database and compares every table. Retention then deletes sets of this database\n"
      "older than --retention-days, keeping at least the newest --keep-min. See docs/BACKUP.md.");
  cli.WithDatabase().WithDryRun("show the set that would be written and what retention would delete");
  const bamort::BackupFlags flags = bamort::AddBackupFlags(&cli);
  const bamort::PhysicalBackupFlags physical = bamort::AddPhysicalBackupFlags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] {
    return physical.physical.on() && !flags.list.on() ? bamort::RunPhysicalBackup(cli, flags, physical, &run) : bamort::RunBackup(cli, flags, &run);
  });
}
