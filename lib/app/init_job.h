// The body of bamort-init: a new installation on an empty database.
#pragma once

#include <string>

#include "cli/job_cli.h"
#include "common/status.h"

namespace bamort {

Status RunInit(const JobCli& cli, JobRun* run);
// Where the sample master data shipped with the tool lives, and how it was found:
// $BAMORT_MASTERDATA_DIR (the image sets it to /usr/local/share/bamort-deploy/masterdata),
// else <prefix>/share/bamort-deploy/masterdata beside the binary (cmake --install), else
// the source tree's masterdata/ when it exists (a binary run from its build folder).
// path "" when none exists (found_by then lists what was searched).
struct MasterDataLocation {
  std::string path;
  std::string found_by;  // "--masterdata", "BAMORT_MASTERDATA_DIR", "install path", "source tree"
};
MasterDataLocation DefaultMasterDataSource();

}  // namespace bamort
