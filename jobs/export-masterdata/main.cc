// bamort-export-masterdata: writes the master data of the database in export format 2.0.
#include "app/job_support.h"
#include "app/masterdata_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli(
      "export-masterdata", "export master data (format 2.0) by natural key, without ids",
      "Writes every master-data entity of the database as format 2.0: a directory with export.json\n"
      "(versions, time, game system, records per entity) and one <entity>.json per entity, or with an\n"
      "--out ending in .json the single-document form. Records are ordered by natural key, carry no\n"
      "ids, and reference other records by their natural keys. SOURCE_DATE_EPOCH fixes the timestamp,\n"
      "so two exports of equal data are byte-identical. Reads only. See docs/MASTERDATA.md.");
  cli.WithDatabase();
  bamort::ExportFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunExportMasterData(cli, flags, &run); });
}
