// The body of bamort-init: a new installation on an empty database.
#pragma once

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

Status RunInit(const JobCli& cli, JobRun* run);
// Where the default master data lives: $BAMORT_MASTERDATA_DIR, the installed
// share/bamort-deploy/masterdata beside the binary, or the source tree's masterdata/.
std::string DefaultMasterDataSource();

}  // namespace bamort
