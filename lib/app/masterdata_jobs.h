// The job bodies of bamort-export-masterdata, bamort-prepare and bamort-import-masterdata.
#pragma once

#include <string>

#include "cli/job_cli.h"
#include "masterdata/importer.h"

namespace bamort {

Status RunExportMasterData(const JobCli& cli, JobRun* run);
Status RunPrepare(const JobCli& cli, JobRun* run);
Status RunImportMasterDataJob(const JobCli& cli, JobRun* run);

// The import's options from source and the import's own flags, as far as cli declares them
// (bamort-migrate --rehearse-import declares none but --lock-timeout: the defaults are what
// deploy.sh's import step gets). Bad values are kBadInput naming the flag.
Status ImportOptionsFromFlags(const JobCli& cli, const std::string& source, ImportOptions* options);
// "N records, I inserted, U updated, P pruned"
std::string ImportCountsLine(const ImportResult& result);

}  // namespace bamort
