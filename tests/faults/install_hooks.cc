// main() of the test-only bamort-<job>-faults binaries (tests/CMakeLists.txt): reads the
// BAMORT_TEST_* variables, installs the matching fault points (common/fault_points.h) and
// the clock (common/clock.h), then runs the job's own main, compiled as bamort_job_main.
// The shipped bamort-<job> binaries do not contain this file.
//   BAMORT_TEST_KILL_AFTER_STATEMENTS=k     SIGKILL right after the k-th migration statement of
//                                           the run committed and its progress was recorded
//   BAMORT_TEST_WRITE_BEFORE_SNAPSHOT_B=SQL another connection commits SQL before snapshot B
//   BAMORT_TEST_NOW=RFC3339                 the time the job thinks it is
#include <csignal>
#include <cstdlib>
#include <string>

#include "common/clock.h"
#include "common/fault_points.h"

int bamort_job_main(int argc, char** argv);

namespace {

void InstallHooksFromEnvironment() {
  if (const char* k = std::getenv("BAMORT_TEST_KILL_AFTER_STATEMENTS"); k && *k) {
    const long kill_after = std::strtol(k, nullptr, 10);
    if (kill_after > 0) {
      bamort::InstallFaultPoint(bamort::kFaultAfterMigrationStatement, [kill_after] {
        static long committed_in_run = 0;
        if (++committed_in_run == kill_after) std::raise(SIGKILL);
      });
    }
  }
  if (const char* sql = std::getenv("BAMORT_TEST_WRITE_BEFORE_SNAPSHOT_B"); sql && *sql) {
    bamort::InstallFaultPointSql(bamort::kFaultBeforeSnapshotB,
                                 [text = std::string(sql)] { return std::optional<std::string>(text); });
  }
  if (const char* now = std::getenv("BAMORT_TEST_NOW"); now && *now) {
    bamort::SystemTime t;
    if (bamort::ParseRfc3339(now, &t)) bamort::ReplaceClockForTest([t] { return t; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  InstallHooksFromEnvironment();
  return bamort_job_main(argc, argv);
}
