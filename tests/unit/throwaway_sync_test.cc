// The preload library of throwaway writes (server/throwaway_sync.h): it really turns fsync
// into a no-op, and a child started with ThrowawayWritesEnvironment() loads it.
#include "server/throwaway_sync.h"

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <gtest/gtest.h>

#include "common/file_io.h"
#include "server/client_process.h"
#include "temp_dir.h"

namespace bamort {
namespace {

// ctest gives the unit tests BAMORT_NOSYNC_LIBRARY (tests/CMakeLists.txt): the test binary
// does not sit beside the library as the jobs do.
const std::string& Library() {
  const std::string& library = NoSyncLibrary();
  EXPECT_FALSE(library.empty()) << "libbamort-nosync.so not found; run through ctest, or set BAMORT_NOSYNC_LIBRARY";
  return library;
}

TEST(ThrowawaySync, TheLibrarysFsyncAndFdatasyncSucceedWithoutDoingAnything) {
  if (Library().empty()) return;
  void* handle = ::dlopen(Library().c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << ::dlerror();
  using SyncFn = int (*)(int);
  auto no_fsync = reinterpret_cast<SyncFn>(::dlsym(handle, "fsync"));
  auto no_fdatasync = reinterpret_cast<SyncFn>(::dlsym(handle, "fdatasync"));
  ASSERT_NE(no_fsync, nullptr);
  ASSERT_NE(no_fdatasync, nullptr);
  // On a descriptor that does not exist the real calls fail with EBADF; the library's succeed.
  EXPECT_EQ(::fsync(-1), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(no_fsync(-1), 0);
  EXPECT_EQ(no_fdatasync(-1), 0);
  ::dlclose(handle);
}

TEST(ThrowawaySync, AChildStartedWithTheEnvironmentLoadsTheLibrary) {
  if (Library().empty()) return;
  TempDir dir("throwaway-sync");
  const std::string log = dir.path() + "/maps";
  pid_t pid = -1;
  ASSERT_TRUE(SpawnLogged({"/bin/cat", "/proc/self/maps"}, log, false, &pid, ThrowawayWritesEnvironment()).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string maps;
  ASSERT_TRUE(ReadFileToString(log, &maps).ok());
  EXPECT_NE(maps.find(Library()), std::string::npos) << maps;
  // Without it, the same child does not.
  ASSERT_TRUE(SpawnLogged({"/bin/cat", "/proc/self/maps"}, log, false, &pid).ok());
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(ReadFileToString(log, &maps).ok());
  EXPECT_EQ(maps.find("libbamort-nosync"), std::string::npos);
}

TEST(ThrowawaySync, BufferedDataFileOptionsAreLooseSoThatEveryVersionStarts) {
  for (const std::string& option : BufferedDataFileOptions()) EXPECT_EQ(option.rfind("--loose-", 0), 0u) << option;
}

}  // namespace
}  // namespace bamort
