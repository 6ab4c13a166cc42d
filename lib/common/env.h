// Env: the operating system as the engines see it (LevelDB's idea): the files and folders
// they write, list and remove, the free space of a filesystem, the clock, and the fault
// points where a test may step in. An engine takes an Env* among its dependencies and
// never calls the OS for these itself, so a unit test can hand it an Env whose rename
// fails, whose fsync fails or whose clock stands 31 days ahead (tests/unit/env_test.cc,
// tests/unit/logical_backup_test.cc).
//
// Env::Default() is the Env of this process: the real system (POSIX calls, the system
// clock, no fault point does anything). Only a test-only binary replaces it
// (tests/faults/install_hooks.cc, in the bamort-<job>-faults binaries), before the job
// starts; a shipped binary has no code that does, and reads no environment variable for
// it (ctest NoTestHooksInShippedCode).
// EnvWrapper forwards every call to another Env; a test overrides only what it changes.
// The real Env is safe to use from several threads at once; so must substitutes be.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace bamort {

// Limits for files read whole into memory, each fitting what the file is, so that a
// setting pointed at /dev/zero or a dump ends in "larger than N bytes" (kBadInput naming
// the file) instead of eating memory (docs/CONFIGURATION.md, "Size limits").
inline constexpr size_t kMaxReportBytes = 16u << 20;       // a job's JSON report
inline constexpr size_t kMaxManifestBytes = 16u << 20;     // a backup set's manifest.json
inline constexpr size_t kMaxSqlFileBytes = 16u << 20;      // a migration file
inline constexpr size_t kMaxMasterDataBytes = 256u << 20;  // a master-data file or document
inline constexpr size_t kMaxSmallFileBytes = 64u << 10;    // a password file given as a flag
inline constexpr size_t kMaxInputFileBytes = 256u << 20;   // anything else (child process output)

// Names of the fault points, kept here so the hooks and the engines agree.
inline constexpr const char* kFaultAfterMigrationStatement = "migrate.after_statement";
inline constexpr const char* kFaultBeforeSnapshotB = "backup.before_snapshot_b";
inline constexpr const char* kFaultDuringPhysicalCopy = "backup.physical.during_copy";
inline constexpr const char* kFaultBetweenPhysicalReadings = "backup.physical.between_readings";
inline constexpr const char* kFaultTamperPhysicalCopy = "backup.physical.tamper_copy";
inline constexpr const char* kFaultRestoreBeforeDrop = "restore.before_drop";
inline constexpr const char* kFaultRestoreAfterCompare = "restore.after_compare";

// What stat(2) says about a path, as far as the engines need it.
struct FileInfo {
  bool exists = false;
  bool parent_not_folder = false;  // a part of the path is a file (ENOTDIR)
  bool is_dir = false;
  bool is_regular = false;
  unsigned mode = 0;  // permission bits, e.g. 01777
  unsigned owner = 0;  // the owner's uid
  SystemTime modified{};
};

struct DirEntry {
  std::string name;  // without the folder; never "." or ".."
  FileInfo info;     // of the entry itself (a symlink is neither dir nor regular)
};

// The free space of the filesystem holding a folder.
struct FreeSpace {
  uint64_t device = 0;     // equal for two folders on one filesystem
  uint64_t available = 0;  // bytes an unprivileged writer may still use (f_bavail)
};

class Env {
 public:
  virtual ~Env() = default;

  // The Env of this process (see above). Never null; lives until the process ends.
  static Env* Default();
  // For the test-only binaries: makes env the process's Env before the job starts (not
  // while engines run). env must outlive the process; nullptr restores the real system.
  static void ReplaceDefaultForTest(Env* env);

  // Files. Every error is a Status naming the path and the reason.
  // Reads at most max_bytes: kBadInput "cannot read PATH: reason" or "PATH is larger than
  // N bytes" (a regular file is refused by its size before a byte is read).
  virtual Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes) = 0;
  // Writes a temp file beside path with mode, fsyncs it and renames it over path: a
  // reader sees the old file or the complete new one, never a half-written file.
  virtual Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) = 0;
  // One folder; kFailed when it exists already or its parent is missing.
  virtual Status CreateDir(const std::string& path, unsigned mode) = 0;
  // The folder and its missing parents (an existing folder is fine).
  virtual Status CreateDirs(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // A file that is already gone is not an error.
  virtual Status RemoveFile(const std::string& path) = 0;
  // An empty folder.
  virtual Status RemoveDir(const std::string& path) = 0;
  // stat(2), following a symlink. A missing path is Ok with info->exists false; other
  // failures are kFailed.
  virtual Status Stat(const std::string& path, FileInfo* info) = 0;
  // The entries of a folder, unsorted, each as lstat(2) sees it (a symlink is followed
  // by nothing that lists sets, so retention never deletes through one).
  virtual Status ListDir(const std::string& dir, std::vector<DirEntry>* entries) = 0;
  // fsync of a file, or of a folder so that a rename or a new file in it survives a crash.
  virtual Status SyncFile(const std::string& path) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  // The filesystem of an existing folder.
  virtual Status GetFreeSpace(const std::string& dir, FreeSpace* out) = 0;

  // The clock of reports, backup sets and retention.
  virtual SystemTime Now() = 0;

  // Fault points: a named place in an engine where a test may step in. The real Env
  // does nothing at either.
  virtual void FaultPoint(const char* name) = 0;
  // The SQL a test wants another connection to commit at this point, if any.
  virtual std::optional<std::string> FaultPointSql(const char* name) = 0;
};

// Forwards every call to target; override what the test changes.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Status ReadFileToString(const std::string& path, std::string* out, size_t max_bytes) override {
    return target_->ReadFileToString(path, out, max_bytes);
  }
  Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) override {
    return target_->WriteFileAtomic(path, content, mode);
  }
  Status CreateDir(const std::string& path, unsigned mode) override { return target_->CreateDir(path, mode); }
  Status CreateDirs(const std::string& path) override { return target_->CreateDirs(path); }
  Status Rename(const std::string& from, const std::string& to) override { return target_->Rename(from, to); }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status RemoveDir(const std::string& path) override { return target_->RemoveDir(path); }
  Status Stat(const std::string& path, FileInfo* info) override { return target_->Stat(path, info); }
  Status ListDir(const std::string& dir, std::vector<DirEntry>* entries) override {
    return target_->ListDir(dir, entries);
  }
  Status SyncFile(const std::string& path) override { return target_->SyncFile(path); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Status GetFreeSpace(const std::string& dir, FreeSpace* out) override { return target_->GetFreeSpace(dir, out); }
  SystemTime Now() override { return target_->Now(); }
  void FaultPoint(const char* name) override { target_->FaultPoint(name); }
  std::optional<std::string> FaultPointSql(const char* name) override { return target_->FaultPointSql(name); }

 private:
  Env* target_;
};

// A folder and everything under it, through env (ListDir, RemoveFile, RemoveDir); a
// symlink is removed, never followed. A folder already gone is not an error. Stops at the
// first failure, naming the path.
Status RemoveTree(const std::string& dir, Env* env = Env::Default());

}  // namespace bamort
