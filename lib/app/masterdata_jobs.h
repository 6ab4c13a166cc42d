// The job bodies of bamort-export-masterdata, bamort-prepare and bamort-import-masterdata.
#pragma once

#include "cli/job_cli.h"

namespace bamort {

Status RunExportMasterData(const JobCli& cli, JobRun* run);
Status RunPrepare(const JobCli& cli, JobRun* run);
Status RunImportMasterDataJob(const JobCli& cli, JobRun* run);

}  // namespace bamort
