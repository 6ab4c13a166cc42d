#include "server/throwaway_sync.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <spdlog/spdlog.h>

namespace bamort {

namespace {

constexpr const char* kLibraryName = "libbamort-nosync.so";

std::string ExecutableDir() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

std::string FindLibrary() {
  if (const char* given = std::getenv("BAMORT_NOSYNC_LIBRARY"); given && *given) {
    if (std::string(given) == "none") return "";
    if (::access(given, R_OK) != 0) {
      spdlog::warn("BAMORT_NOSYNC_LIBRARY={} is not a readable file: the private servers sync as usual (slower)",
                   given);
      return "";
    }
    return given;
  }
  const std::string dir = ExecutableDir();
  if (dir.empty()) return "";
  for (const std::string& candidate : {dir + "/" + kLibraryName, dir + "/../lib/bamort-deploy/" + kLibraryName}) {
    char real[PATH_MAX];
    if (::access(candidate.c_str(), R_OK) == 0 && ::realpath(candidate.c_str(), real)) return real;
  }
  return "";
}

}  // namespace

const std::string& NoSyncLibrary() {
  static const std::string library = FindLibrary();
  return library;
}

std::vector<std::string> ThrowawayWritesEnvironment() {
  const std::string& library = NoSyncLibrary();
  if (library.empty()) return {};
  const char* inherited = std::getenv("LD_PRELOAD");
  return {"LD_PRELOAD=" + library + (inherited && *inherited ? ":" + std::string(inherited) : "")};
}

std::vector<std::string> BufferedDataFileOptions() {
  return {"--loose-innodb-flush-method=fsync", "--loose-innodb-data-file-buffering=ON"};
}

}  // namespace bamort
