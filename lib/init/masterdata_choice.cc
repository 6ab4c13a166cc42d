#include "init/masterdata_choice.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <Poco/Path.h>
#include <spdlog/spdlog.h>

#include "build_info.h"
#include "common/env.h"
#include "masterdata/document.h"

namespace bamort {

MasterDataLocation DefaultMasterDataSource() {
  if (const char* env = std::getenv("BAMORT_MASTERDATA_DIR"); env && *env) return {env, "BAMORT_MASTERDATA_DIR"};
  std::vector<MasterDataLocation> candidates;
  char exe[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    Poco::Path installed(Poco::Path(std::string(exe, n)).parent());
    installed.popDirectory();
    installed.pushDirectory("share");
    installed.pushDirectory("bamort-deploy");
    installed.pushDirectory("masterdata");
    candidates.push_back({installed.toString(), "install path"});
  }
  // A build that runs from its build folder (tests, scripts/demo.sh) finds the source tree's set.
  candidates.push_back({std::string(kSourceDir) + "/masterdata", "source tree"});
  for (const MasterDataLocation& c : candidates) {
    FileInfo info;
    if (Env::Default()->Stat(c.path, &info).ok() && info.exists) return c;
  }
  std::string searched;
  for (const MasterDataLocation& c : candidates) searched += (searched.empty() ? "" : ", ") + c.path;
  return {"", "not found (searched BAMORT_MASTERDATA_DIR, " + searched + ")"};
}

Status ChooseMasterData(bool none, const std::optional<std::string>& given, MasterDataChoice* out) {
  *out = MasterDataChoice();
  if (none) return Status::Ok();
  if (given) {
    out->location = {*given, "--masterdata"};
  } else {
    out->location = DefaultMasterDataSource();
    if (out->location.path.empty())
      return Status::BadInput("the sample master data shipped with the tool is " + out->location.found_by,
                              "give --masterdata PACKAGE|DIR, or --no-masterdata");
  }
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  BAMORT_RETURN_IF_ERROR(masterdata::ReadMasterData(out->location.path, &doc, &info).WithContext("--masterdata"));
  out->kind = doc.sample.empty() ? "given" : "sample";
  out->sample = doc.sample;
  if (out->kind == "sample")
    spdlog::warn("bamort-init installs the SAMPLE master data shipped with bamort-deploy ({}, from {}): invented "
                 "records, not the Midgard rules; give --masterdata PACKAGE for real master data",
                 out->location.path, out->location.found_by);
  return Status::Ok();
}

}  // namespace bamort
