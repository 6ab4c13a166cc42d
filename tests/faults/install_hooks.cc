// main() of the test-only bamort-<job>-faults binaries (tests/CMakeLists.txt): reads the
// BAMORT_TEST_* variables, makes an Env (common/env.h) whose fault points and clock do
// what they ask the process's Env, then runs the job's own main, compiled as
// bamort_job_main. The shipped bamort-<job> binaries do not contain this file.
//   BAMORT_TEST_KILL_AFTER_STATEMENTS=k     SIGKILL right after the k-th migration statement of
//                                           the run committed and its progress was recorded
//   BAMORT_TEST_WRITE_BEFORE_SNAPSHOT_B=SQL SQL is committed before the source is read again: in the
//                                           logical backup by another connection before snapshot B, in
//                                           the physical one by the job's own connection after the copy
//                                           differed from the reading beside it, before the source's
//                                           reading after the copy
//   BAMORT_TEST_WRITE_DURING_COPY=SQL       physical backup: committed by the job's connection after the
//                                           source's reading beside the copy opened its snapshot, before
//                                           mariadb-backup starts (a commit during the copy)
//   BAMORT_TEST_WRITE_BETWEEN_READINGS=SQL  physical backup: committed between the source's reading after
//                                           the copy and the one after that
//   BAMORT_TEST_TAMPER_COPY=SQL             physical backup: run in the private server on the prepared copy
//                                           before its tables are read (a copy that does not compare)
//   BAMORT_TEST_NOW=RFC3339                 the time the job thinks it is
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/env.h"

int bamort_job_main(int argc, char** argv);

namespace {

// The real system with the hooks the variables ask for.
class HookEnv : public bamort::EnvWrapper {
 public:
  HookEnv() : EnvWrapper(bamort::Env::Default()) {}

  bamort::SystemTime Now() override { return now_ ? *now_ : target()->Now(); }
  void FaultPoint(const char* name) override {
    if (kill_after_ > 0 && std::string(name) == bamort::kFaultAfterMigrationStatement &&
        ++committed_in_run_ == kill_after_) {
      std::raise(SIGKILL);
    }
  }
  std::optional<std::string> FaultPointSql(const char* name) override {
    auto sql = sql_at_.find(name);
    if (sql == sql_at_.end()) return std::nullopt;
    return sql->second;
  }

  void ReadEnvironment() {
    if (const char* k = std::getenv("BAMORT_TEST_KILL_AFTER_STATEMENTS"); k && *k) {
      kill_after_ = std::strtol(k, nullptr, 10);
    }
    const std::pair<const char*, const char*> kSqlVariables[] = {
        {"BAMORT_TEST_WRITE_BEFORE_SNAPSHOT_B", bamort::kFaultBeforeSnapshotB},
        {"BAMORT_TEST_WRITE_DURING_COPY", bamort::kFaultDuringPhysicalCopy},
        {"BAMORT_TEST_WRITE_BETWEEN_READINGS", bamort::kFaultBetweenPhysicalReadings},
        {"BAMORT_TEST_TAMPER_COPY", bamort::kFaultTamperPhysicalCopy},
    };
    for (const auto& [variable, point] : kSqlVariables) {
      if (const char* sql = std::getenv(variable); sql && *sql) sql_at_[point] = sql;
    }
    if (const char* now = std::getenv("BAMORT_TEST_NOW"); now && *now) {
      bamort::SystemTime t;
      if (bamort::ParseRfc3339(now, &t)) now_ = t;
    }
  }

 private:
  long kill_after_ = 0;
  std::atomic<long> committed_in_run_{0};
  std::map<std::string, std::string> sql_at_;  // fault point -> the SQL to run there
  std::optional<bamort::SystemTime> now_;
};

}  // namespace

int main(int argc, char** argv) {
  auto* env = new HookEnv();  // never deleted: it must outlive the process (Env::ReplaceDefaultForTest)
  env->ReadEnvironment();
  bamort::Env::ReplaceDefaultForTest(env);
  return bamort_job_main(argc, argv);
}
