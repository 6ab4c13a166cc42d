// Which master data bamort-init installs: the sample set shipped with the tool (the
// default, said plainly in the log and the report), a source the operator gave, or none.
// The choice is read and parsed whole before the schema exists, so a bad source stops
// the init with nothing changed (kBadInput naming the source).
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace bamort {

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

struct MasterDataChoice {
  MasterDataLocation location;  // path "" = none
  std::string kind = "none";    // "sample" (the source's header says so), "given", "none"
  std::string sample;           // the sample marker text
};

// none: no master data. Otherwise given (a path) or, when nullopt, the default location;
// the source is read and parsed to tell a sample from a real set.
Status ChooseMasterData(bool none, const std::optional<std::string>& given, MasterDataChoice* out);

}  // namespace bamort
