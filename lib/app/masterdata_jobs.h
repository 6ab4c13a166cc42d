// The job bodies of bamort-export-masterdata, bamort-prepare and bamort-import-masterdata:
// each job's flags (declared here, once) onto the options of lib/masterdata's workflows
// (exporter.h, deployment_package.h, importer.h), their results onto the report.
#pragma once

#include <string>

#include "app/job_support.h"
#include "cli/job_cli.h"
#include "masterdata/importer.h"

namespace bamort {

struct ExportFlags {
  explicit ExportFlags(JobCli* cli);
  TextFlag out, game_system;
};

struct PrepareFlags {
  explicit PrepareFlags(JobCli* cli);
  TextFlag out, from, game_system, migrations_dir;
};

// The import's own flags. Default-constructed, every one reads as not given (the
// defaults are what deploy.sh's import step gets), for a job that imports on the side.
struct ImportFlags {
  ImportFlags() = default;
  explicit ImportFlags(JobCli* cli);
  TextFlag source;
  SwitchFlag check_only, prune, overwrite_with_sample_data, allow_large_changes;
  IntFlag max_change_percent, lock_timeout;
};

Status RunExportMasterData(const JobCli& cli, const ExportFlags& flags, JobRun* run);
Status RunPrepare(const JobCli& cli, const PrepareFlags& flags, JobRun* run);
Status RunImportMasterDataJob(const JobCli& cli, const ImportFlags& flags, JobRun* run);

// The import's options from source and the flags (bad values are kBadInput naming the flag).
Status ImportOptionsFromFlags(const ImportFlags& flags, bool dry_run, const std::string& source,
                              ImportOptions* options);
// "N records, I inserted, U updated, P pruned"
std::string ImportCountsLine(const ImportResult& result);

}  // namespace bamort
