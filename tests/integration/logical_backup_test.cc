// RunLogicalBackup (backup/logical_backup.h) in this process against a real MariaDB, with
// a substituted Env (common/env.h) where the OS cannot easily be made to fail: the rename
// of the finished .partial folder, the fsync of that folder, a clock 40 and 80 days on,
// and the fault point between the two checksum snapshots. The job as a process is
// covered by backup_test.cc; this proves what the engine does at each of these points.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backup/logical_backup.h"
#include "common/env.h"
#include "test_support.h"

namespace bamort::testing {
namespace {

using std::chrono::hours;

// The real system, except for what a test sets.
class FaultEnv : public EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(Env::Default()) {}

  SystemTime Now() override { return now ? *now : target()->Now(); }
  Status Rename(const std::string& from, const std::string& to) override {
    if (fail_rename) return Status::Failed("cannot rename " + from + " to " + to + ": Input/output error");
    return target()->Rename(from, to);
  }
  Status SyncDir(const std::string& dir) override {
    ++syncs;
    if (fail_sync_of_partial && dir.find(".partial") != std::string::npos) {
      return Status::Failed("cannot sync the folder " + dir + ": Input/output error");
    }
    return target()->SyncDir(dir);
  }
  std::optional<std::string> FaultPointSql(const char* name) override {
    if (std::string(name) == kFaultBeforeSnapshotB && !write_before_b.empty()) return write_before_b;
    return std::nullopt;
  }

  std::optional<SystemTime> now;
  bool fail_rename = false;
  bool fail_sync_of_partial = false;
  int syncs = 0;
  std::string write_before_b;
};

class LogicalBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = NewTempDir("logical-backup");
    db_ = std::make_unique<ScratchDatabase>("bk_engine");
    auto conn = db_->Connect();
    ASSERT_TRUE(conn->Execute("CREATE TABLE item (id INT NOT NULL PRIMARY KEY, note VARCHAR(40)) "
                              "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").ok());
    ASSERT_TRUE(conn->Execute("INSERT INTO item VALUES (1, 'Jörg'), (2, NULL), (3, 'Parierwaﬀen')").ok());
  }
  void TearDown() override { std::system(("rm -rf '" + out_ + "'").c_str()); }

  Status Backup(LogicalBackupResult* result, bool retention = false, int64_t keep_min = 3) {
    LogicalBackupOptions o;
    o.out_dir = out_;
    o.retention = retention;
    o.policy.keep_min = keep_min;
    o.run_id = "engine-test";
    LogicalBackupDeps deps;
    deps.config = db_->config();
    deps.env = &env_;
    deps.read_version = [](Connection*, DatabaseVersion* v) {
      v->version = "0.4.0";
      v->migration_number = 12;
      return Status::Ok();
    };
    return RunLogicalBackup(o, deps, result);
  }
  std::vector<std::string> OutEntries() {
    std::vector<DirEntry> entries;
    EXPECT_TRUE(Env::Default()->ListDir(out_, &entries).ok());
    std::vector<std::string> names;
    for (const DirEntry& e : entries) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string out_;
  std::unique_ptr<ScratchDatabase> db_;
  FaultEnv env_;
};

TEST_F(LogicalBackupTest, AFailedRenameLeavesNeitherASetNorItsPartialFolder) {
  env_.fail_rename = true;
  const auto before = db_->TableChecksums();
  LogicalBackupResult r;
  Status s = Backup(&r);
  EXPECT_EQ(s.code(), StatusCode::kFailed);
  EXPECT_NE(s.message().find("cannot rename " + r.partial_dir + " to " + r.set_dir), std::string::npos) << s.ToString();
  EXPECT_TRUE(r.dumped) << "it failed at the very end";
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(OutEntries().empty()) << "nothing under a set's name, and the .partial folder is removed";
  EXPECT_EQ(db_->TableChecksums(), before);
  // The same engine with a working rename makes the set.
  env_.fail_rename = false;
  LogicalBackupResult ok;
  ASSERT_TRUE(Backup(&ok).ok());
  EXPECT_TRUE(ok.complete);
  EXPECT_EQ(OutEntries(), std::vector<std::string>{ok.set_name});
  EXPECT_EQ(ok.manifest.tables.at("item").rows, 3u);
}

TEST_F(LogicalBackupTest, AFailedFsyncOfThePartialFolderFailsTheBackupBeforeTheRename) {
  env_.fail_sync_of_partial = true;
  LogicalBackupResult r;
  Status s = Backup(&r);
  EXPECT_EQ(s.code(), StatusCode::kFailed);
  EXPECT_NE(s.message().find("cannot sync the folder " + r.partial_dir), std::string::npos) << s.ToString();
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(OutEntries().empty());
}

TEST_F(LogicalBackupTest, TheEnvsClockNamesTheSetsAndAgesThemForRetention) {
  SystemTime t0;
  ASSERT_TRUE(ParseRfc3339("2030-01-01T00:00:00Z", &t0));
  std::vector<std::string> sets;
  for (int day : {0, 40, 80}) {
    env_.now = t0 + hours(24 * day);
    LogicalBackupResult r;
    ASSERT_TRUE(Backup(&r, /*retention=*/true, /*keep_min=*/1).ok());
    EXPECT_EQ(r.manifest.created_at, *env_.now);
    EXPECT_EQ(r.manifest.db_version, std::optional<std::string>("0.4.0"));
    ASSERT_TRUE(r.retention_ran);
    // Each run finds the set of the run before 40 days old: older than 30 days and not
    // among the newest keep_min (1), so it is deleted.
    EXPECT_EQ(r.retention.deleted, sets.empty() ? std::vector<std::string>{} : std::vector<std::string>{sets.back()});
    sets.push_back(r.set_dir);
  }
  EXPECT_NE(sets[0].find("_20300101T000000Z"), std::string::npos) << sets[0];
  EXPECT_NE(sets[2].find("_20300322T000000Z"), std::string::npos) << sets[2];
  EXPECT_EQ(OutEntries().size(), 1u);
}

TEST_F(LogicalBackupTest, AWriteAtTheFaultPointBetweenTheSnapshotsFailsTheBackup) {
  env_.write_before_b = "UPDATE " + db_->name() + ".item SET note = 'changed' WHERE id = 2";
  LogicalBackupResult r;
  Status s = Backup(&r);
  EXPECT_EQ(s.code(), StatusCode::kFailed);
  EXPECT_NE(s.message().find("the database changed while the backup ran"), std::string::npos) << s.ToString();
  ASSERT_EQ(r.changed.size(), 1u);
  EXPECT_NE(r.changed[0].find("item"), std::string::npos) << r.changed[0];
  EXPECT_TRUE(OutEntries().empty());
  EXPECT_EQ(db_->Scalar("SELECT note FROM item WHERE id = 2"), "changed") << "the test's write did happen";
}

}  // namespace
}  // namespace bamort::testing
