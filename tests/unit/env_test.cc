// Env (common/env.h): the real one does what the engines relied on the OS for, and a
// substituted one lets the backup's folder units be tested where the OS cannot easily be
// made to misbehave: a full disk, a folder that cannot be removed, a clock and file
// times 40 days on, a world-writable folder, without root and without waiting.
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backup/backup_set.h"
#include "backup/manifest.h"
#include "backup/space_check.h"
#include "common/env.h"
#include "common/joining_thread.h"
#include "common/output_dir.h"
#include "temp_dir.h"

namespace bamort {
namespace {

using std::chrono::hours;

// The real system, except: a fixed clock, file times shifted back, removals of chosen
// paths refused, a chosen free space, chosen folder modes; records what it removed.
class TestEnv : public EnvWrapper {
 public:
  TestEnv() : EnvWrapper(Env::Default()) {}

  SystemTime Now() override { return now; }
  Status ListDir(const std::string& dir, std::vector<DirEntry>* entries) override {
    BAMORT_RETURN_IF_ERROR(target()->ListDir(dir, entries));
    for (DirEntry& e : *entries) e.info.modified -= age;
    return Status::Ok();
  }
  Status Stat(const std::string& path, FileInfo* info) override {
    BAMORT_RETURN_IF_ERROR(target()->Stat(path, info));
    if (auto it = modes.find(path); it != modes.end()) info->mode = it->second;
    return Status::Ok();
  }
  Status RemoveDir(const std::string& path) override {
    if (refuse_remove.count(path)) return Status::Failed("cannot remove " + path + ": Device or resource busy");
    removed.push_back(path);
    return target()->RemoveDir(path);
  }
  Status GetFreeSpace(const std::string& dir, FreeSpace* out) override {
    BAMORT_RETURN_IF_ERROR(target()->GetFreeSpace(dir, out));
    if (free_bytes) out->available = *free_bytes;
    return Status::Ok();
  }

  SystemTime now = std::chrono::system_clock::now();
  std::chrono::hours age{0};
  std::set<std::string> refuse_remove;
  std::map<std::string, unsigned> modes;
  std::optional<uint64_t> free_bytes;
  std::vector<std::string> removed;
};

// A complete set of `database` made at `created` (files as its manifest names them).
std::string MakeSet(Env* env, const std::string& out_dir, const std::string& database, SystemTime created) {
  Manifest m;
  m.set_name = SetNameFor(database, created);
  m.created_at = created;
  m.run_id = "r";
  m.db_host = "h:3306";
  m.db_name = database;
  m.files.push_back({"dump.sql.gz", "sql-dump", std::string(64, 'a'), 4, 4});
  const std::string dir = out_dir + "/" + m.set_name;
  EXPECT_TRUE(env->CreateDir(dir, 0700).ok());
  EXPECT_TRUE(env->WriteFileAtomic(dir + "/dump.sql.gz", "dump", 0600).ok());
  EXPECT_TRUE(env->WriteFileAtomic(dir + "/manifest.json", m.ToJsonText(), 0600).ok());
  return dir;
}

bool Exists(const std::string& path) {
  FileInfo info;
  return Env::Default()->Stat(path, &info).ok() && info.exists;
}

TEST(Env, TheRealEnvCreatesListsRenamesSyncsAndRemoves) {
  TempDir tmp;
  Env* env = Env::Default();
  const std::string a = tmp.path() + "/a", b = tmp.path() + "/b";
  ASSERT_TRUE(env->CreateDir(a, 0700).ok());
  EXPECT_FALSE(env->CreateDir(a, 0700).ok()) << "an existing folder is refused";
  ASSERT_TRUE(env->WriteFileAtomic(a + "/f", "text", 0600).ok());
  std::string text;
  ASSERT_TRUE(env->ReadFileToString(a + "/f", &text, 100).ok());
  EXPECT_EQ(text, "text");
  EXPECT_EQ(env->ReadFileToString(a + "/f", &text, 2).code(), StatusCode::kBadInput);
  EXPECT_TRUE(env->SyncFile(a + "/f").ok());
  EXPECT_TRUE(env->SyncDir(a).ok());
  ASSERT_TRUE(env->Rename(a, b).ok());
  std::vector<DirEntry> entries;
  ASSERT_TRUE(env->ListDir(b, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "f");
  EXPECT_TRUE(entries[0].info.is_regular);
  FileInfo info;
  ASSERT_TRUE(env->Stat(b + "/f/below", &info).ok());
  EXPECT_TRUE(info.parent_not_folder);
  ASSERT_TRUE(env->Stat(a, &info).ok());
  EXPECT_FALSE(info.exists);
  EXPECT_FALSE(env->Rename(a, b + "2").ok());
  EXPECT_NE(env->Rename(a, b + "2").message().find("cannot rename " + a), std::string::npos);
  EXPECT_TRUE(env->RemoveFile(b + "/f").ok());
  EXPECT_TRUE(env->RemoveFile(b + "/f").ok()) << "a file already gone is not an error";
  EXPECT_TRUE(env->RemoveDir(b).ok());
  FreeSpace space;
  ASSERT_TRUE(env->GetFreeSpace(tmp.path(), &space).ok());
  EXPECT_GT(space.available, 0u);
  EXPECT_EQ(env->FaultPointSql(kFaultBeforeSnapshotB), std::nullopt) << "the real Env has no hooks";
}

TEST(Env, RetentionWithAFixedClockDeletesOnlyWhatIsOldEnoughAndKeepsTheNewest) {
  TempDir tmp;
  TestEnv env;
  env.now = std::chrono::system_clock::now() + hours(24 * 40);  // 40 days on, no sleeping
  const SystemTime t0 = std::chrono::system_clock::now();
  const std::string oldest = MakeSet(&env, tmp.path(), "bamort", t0 - hours(24 * 3));
  const std::string old = MakeSet(&env, tmp.path(), "bamort", t0 - hours(24 * 2));
  const std::string recent = MakeSet(&env, tmp.path(), "bamort", t0 + hours(24 * 35));
  const std::string other_db = MakeSet(&env, tmp.path(), "other", t0 - hours(24 * 3));
  const std::string partial = PartialDirFor(tmp.path(), "bamort_x");
  ASSERT_TRUE(env.CreateDir(partial, 0700).ok());
  env.age = hours(25);  // every folder looks a day and an hour old: the partial is a leftover
  SetListing listing;
  ASSERT_TRUE(ListBackupSets(tmp.path(), &listing, &env).ok());
  ASSERT_EQ(listing.sets.size(), 4u);
  RetentionPlan plan = PlanRetention(listing, RetentionPolicy{30, 1}, "bamort", recent, env.Now());
  EXPECT_EQ(plan.deleted, (std::vector<std::string>{old, oldest}));
  EXPECT_EQ(plan.kept, std::vector<std::string>{recent});
  EXPECT_EQ(plan.partials_deleted, std::vector<std::string>{partial});
  std::vector<std::string> warnings;
  ApplyRetention(listing, &plan, &warnings, &env);
  EXPECT_TRUE(warnings.empty());
  EXPECT_FALSE(Exists(old));
  EXPECT_FALSE(Exists(oldest));
  EXPECT_FALSE(Exists(partial));
  EXPECT_TRUE(Exists(recent));
  EXPECT_TRUE(Exists(other_db)) << "another database's sets take no part";
}

TEST(Env, ASetFolderThatCannotBeRemovedBecomesAWarningAndIsNotReportedDeleted) {
  TempDir tmp;
  TestEnv env;
  env.now = std::chrono::system_clock::now() + hours(24 * 100);
  const std::string a = MakeSet(&env, tmp.path(), "bamort", std::chrono::system_clock::now() - hours(48));
  const std::string b = MakeSet(&env, tmp.path(), "bamort", std::chrono::system_clock::now() - hours(24));
  const std::string keep = MakeSet(&env, tmp.path(), "bamort", std::chrono::system_clock::now());
  env.refuse_remove.insert(a);
  SetListing listing;
  ASSERT_TRUE(ListBackupSets(tmp.path(), &listing, &env).ok());
  RetentionPlan plan = PlanRetention(listing, RetentionPolicy{30, 1}, "bamort", keep, env.Now());
  ASSERT_EQ(plan.deleted.size(), 2u);
  std::vector<std::string> warnings;
  ApplyRetention(listing, &plan, &warnings, &env);
  EXPECT_EQ(plan.deleted, std::vector<std::string>{b});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("kept the folder " + a), std::string::npos) << warnings[0];
  EXPECT_EQ(env.removed, std::vector<std::string>{b});
}

TEST(Env, AFullDiskIsRefusedBeforeAnythingIsWritten) {
  TempDir tmp;
  TestEnv env;
  env.free_bytes = 10u << 20;
  const std::string out = tmp.path() + "/not/yet/there";
  Status s = CheckFreeSpace(BackupSpaceNeeds(100u << 20, out, tmp.path() + "/verify"), &env);
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  EXPECT_NE(s.message().find(out + " and " + tmp.path() + "/verify has 10 MiB free"), std::string::npos)
      << s.message();
  env.free_bytes = 1ull << 40;
  EXPECT_TRUE(CheckFreeSpace(BackupSpaceNeeds(100u << 20, out, ""), &env).ok());
  EXPECT_FALSE(Exists(tmp.path() + "/not")) << "the check creates nothing";
}

TEST(Env, AWorldWritableOutputFolderWarnsAndAStickyOneDoesNot) {
  TempDir tmp;
  TestEnv env;
  std::string warning;
  env.modes[tmp.path()] = 0777;
  ASSERT_TRUE(CheckOutputDir("--out-dir", tmp.path(), &warning, &env).ok());
  EXPECT_NE(warning.find("writable by every local user (mode 0777"), std::string::npos) << warning;
  env.modes[tmp.path()] = 01777;
  ASSERT_TRUE(CheckOutputDir("--out-dir", tmp.path(), &warning, &env).ok());
  EXPECT_TRUE(warning.empty()) << warning;
  ASSERT_TRUE(env.WriteFileAtomic(tmp.path() + "/file", "x", 0600).ok());
  EXPECT_EQ(CheckOutputDir("--out-dir", tmp.path() + "/file", &warning, &env).code(), StatusCode::kBadInput);
  EXPECT_EQ(CheckOutputDir("--out-dir", tmp.path() + "/file/sub", &warning, &env).code(), StatusCode::kBadInput);
}

TEST(Env, ATestBinaryReplacesTheProcessEnvAndCanPutTheRealOneBack) {
  Env* real = Env::Default();
  TestEnv env;
  env.now = SystemTime(std::chrono::hours(24 * 365 * 40));
  Env::ReplaceDefaultForTest(&env);
  EXPECT_EQ(Env::Default(), &env);
  EXPECT_EQ(Now(), env.now) << "common/clock.h's Now() asks the process's Env";
  Env::ReplaceDefaultForTest(nullptr);
  EXPECT_EQ(Env::Default(), real);
}

TEST(JoiningThread, IsJoinedWhenItsOwnerLeavesTheScopeEarly) {
  std::atomic<int> ran{0};
  auto body = [&](bool leave_early) {
    JoiningThread t([&] { ++ran; });
    if (leave_early) return;
    t.Join();
    t.Join();  // twice is fine
  };
  body(true);
  body(false);
  EXPECT_EQ(ran.load(), 2);
  JoiningThread moved;
  moved = JoiningThread([&] { ++ran; });
  moved = JoiningThread([&] { ++ran; });  // the first is joined before it is replaced
  moved.Join();
  EXPECT_EQ(ran.load(), 4);
}

}  // namespace
}  // namespace bamort
