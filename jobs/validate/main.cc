// bamort-validate: the live schema and data against the expected schema of the DB version.
#include "app/job_support.h"
#include "app/validate_jobs.h"

int main(int argc, char** argv) {
  bamort::JobCli cli(
      "validate", "check the schema, the data and the version tables",
      "Compares the live schema (information_schema) with the expected schema of the DB version\n"
      "the database claims: tables, columns (type, NULL, default), indexes and foreign keys;\n"
      "then orphaned rows for every declared reference, that master data is present, that the\n"
      "version tables agree, and that applied migrations still match their files. Every check is\n"
      "named in the report. Missing or different things fail (exit 1); unexpected extras such as\n"
      "leftover tables of old names are warnings and do not fail. Read-only unless\n"
      "--repair-additive is given.");
  cli.WithDatabase().WithDryRun("with --repair-additive: print the statements and change nothing");
  bamort::ValidateFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunValidate(cli, flags, &run); });
}
