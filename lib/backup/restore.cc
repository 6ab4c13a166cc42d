#include "backup/restore.h"

#include <chrono>
#include <memory>

#include <Poco/Path.h>

#include "backup/json_export.h"
#include "backup/parallel_load.h"
#include "backup/restore_checks.h"
#include "backup/restore_read.h"
#include "backup/sql_dump.h"
#include "common/measure.h"
#include "db/connection.h"
#include "db/lock_wait.h"
#include "db/named_lock.h"
#include "db/operation_mark.h"

namespace bamort {

namespace {

constexpr const char* kManifestFile = "manifest.json";

// One restore, step by step; every step fills its part of the result.
class RestoreRun {
 public:
  RestoreRun(const RestoreOptions& options, const RestoreDeps& deps, RestoreResult* result)
      : o_(options), deps_(deps), r_(result) {}

  Status Run() {
    auto t = std::chrono::steady_clock::now();
    BAMORT_RETURN_IF_ERROR(ReadSet());
    Phase("read_and_check", &t);
    BAMORT_RETURN_IF_ERROR(ChooseTarget());
    BAMORT_RETURN_IF_ERROR(CheckPrivileges());
    if (o_.dry_run) return Status::Ok();
    // The deployment lock on the target, for the rest of the restore.
    NamedLock lock;
    BAMORT_RETURN_IF_ERROR(lock.Acquire(admin_.get(), NamedLock::NameFor(r_->target), o_.lock_timeout_seconds));
    if (compared_mark_) {
      bool finished = false;
      BAMORT_RETURN_IF_ERROR(FinishEarlierRun(&finished));
      if (finished) return Status::Ok();
    }
    if (!target_exists_) {
      BAMORT_RETURN_IF_ERROR(admin_->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(r_->target) +
                                             " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"));
    }
    // A connection that would block the drops (an application transaction) is found and
    // named now, while nothing has changed; the drops then wait bounded too.
    BAMORT_RETURN_IF_ERROR(SetSessionLockWait(admin_.get(), o_.lock_wait));
    BAMORT_RETURN_IF_ERROR(CheckNothingBlocks(admin_.get(), r_->target, o_.lock_wait));
    Phase("target_checks", &t);
    deps_.env->FaultPoint(kFaultRestoreBeforeDrop);
    // From here on the target has been changed: any failure is dirty. The mark says so to
    // every other tool until the comparison has found the set's contents (operation_mark.h).
    Status s = BeginOperationMark(admin_.get(), r_->target, NewOperationMark("restore", set_path_));
    if (s.ok()) s = EmptyAndLoad();
    if (s.ok()) s = Compare();
    if (!s.ok()) return Dirty(s);
    BAMORT_RETURN_IF_ERROR(Judge());
    return ClearMark();
  }

 private:
  void Info(const std::string& line) const {
    if (deps_.info) deps_.info(line);
  }
  void Warn(const std::string& warning) const {
    r_->warnings.push_back(warning);
    if (deps_.warn) deps_.warn(warning);
  }
  const char* from() const { return RestoreSourceName(o_.from); }
  // Records the time since *since as the phase `name`, and restarts *since.
  void Phase(const char* name, std::chrono::steady_clock::time_point* since) const {
    r_->phases_ms.emplace_back(name, MsSince(*since));
    *since = std::chrono::steady_clock::now();
  }
  Status Dirty(const Status& s) const {
    const std::string hint = "database " + r_->target + " is only partly restored; run the restore again (or from "
                             "another set) before starting the application";
    return s.WithCode(StatusCode::kDirty).WithHint(s.hint().empty() ? hint : s.hint() + ". The " + hint);
  }

  Status ReadSet();
  Status CheckSetOnce();
  Status CheckContent();
  Status ChooseTarget();
  Status CheckPrivileges();
  Status FinishEarlierRun(bool* finished);
  Status EmptyAndLoad();
  Status Empty();
  Status Load(const std::string& dump_path);
  Status Compare(const char* phase = "compare");
  Status Judge() const;
  Status ClearMark();

  const RestoreOptions& o_;
  const RestoreDeps& deps_;
  RestoreResult* r_;
  const ManifestFile* source_ = nullptr;
  std::unique_ptr<Connection> admin_;  // no current database: the target may not exist yet
  bool target_exists_ = false;
  bool compared_mark_ = false;  // the target's mark: a restore of this set got past its comparison
  std::string set_path_;        // the set folder, absolute (the mark's detail)
  SetContent content_;
  RestorePrivilegeNeeds needs_;
};

// 1. The set: manifest and every file, before anything is touched.
Status RestoreRun::ReadSet() {
  std::string set_dir = o_.backup, manifest_path;
  FileInfo given, manifest;
  deps_.env->Stat(o_.backup, &given);
  if (!given.exists) return Status::BadInput("backup set " + o_.backup + " does not exist", "see bamort-backup --list");
  if (given.is_dir) {
    manifest_path = set_dir + "/" + kManifestFile;
  } else {
    manifest_path = set_dir;
    size_t slash = set_dir.rfind('/');
    set_dir = slash == std::string::npos ? "." : set_dir.substr(0, slash);
  }
  r_->set_dir = set_dir;
  set_path_ = Poco::Path(set_dir).absolute().toString();
  deps_.env->Stat(manifest_path, &manifest);
  if (!manifest.exists) {
    return Status::BadInput(manifest_path + " is missing: " + set_dir + " is not a complete backup set",
                            "an interrupted backup leaves no manifest; use another set (bamort-backup --list)");
  }
  BAMORT_RETURN_IF_ERROR(ReadManifest(manifest_path, &r_->manifest, deps_.env));
  r_->manifest_read = true;
  const bool sql = o_.from == RestoreSource::kSqlDump;
  source_ = r_->manifest.FindRole(sql ? "sql-dump" : "json-export");
  if (!source_) return Status::BadInput(manifest_path + " lists no " + (sql ? "SQL dump" : "JSON export"));
  return CheckSetOnce();
}

// The set, read once (restore_read.h): every file's sha256 and the content check.
Status RestoreRun::CheckSetOnce() {
  const std::string& set_dir = r_->set_dir;
  const bool sql = o_.from == RestoreSource::kSqlDump;
  auto t_check = std::chrono::steady_clock::now();
  SetReadResult read;
  Status scan = ReadSetOnce(set_dir, r_->manifest, *source_, sql, &read);
  content_ = std::move(read.content);
  const std::string& problem = read.source_problem;
  if (!problem.empty()) r_->file_problems.push_back(problem);
  r_->file_problems.insert(r_->file_problems.end(), read.other_problems.begin(), read.other_problems.end());
  r_->check_ms = r_->content_check_ms = MsSince(t_check);
  r_->files_checked = true;
  if (!problem.empty()) {
    return Status::BadInput("backup set " + set_dir + " is damaged: " + problem,
                            sql ? "try --from json, or another set (bamort-backup --list)"
                                : "try --from sql, or another set (bamort-backup --list)");
  }
  for (const std::string& p : read.other_problems) Warn("backup set file not used for this restore is damaged: " + p);
  Info("backup set " + set_dir + " checked: " + std::to_string(r_->manifest.files.size()) + " files, sha256 " +
       (read.other_problems.empty() ? "all equal" : "equal for " + source_->name));
  BAMORT_RETURN_IF_ERROR(scan);
  return CheckContent();
}

// The file to load holds the manifest's tables with the manifest's row counts.
Status RestoreRun::CheckContent() {
  r_->content_bytes = content_.bytes;
  Status s = CheckContentAgainstManifest(r_->manifest, source_->name, content_, &r_->content_differences);
  r_->content_checked = true;
  BAMORT_RETURN_IF_ERROR(s);
  Info("backup set " + r_->set_dir + ": " + source_->name + " holds the manifest's " +
       std::to_string(r_->manifest.tables.size()) + " tables and row counts (" + HumanBytes(content_.bytes) +
       " read, with the sha256, in " + std::to_string(r_->check_ms) + " ms)");
  return Status::Ok();
}

// 2. Where to: the target database, its state, and the server.
Status RestoreRun::ChooseTarget() {
  const DbConfig& config = deps_.config;
  const Manifest& manifest = r_->manifest;
  std::string target = o_.target_db.empty() ? config.name : o_.target_db;
  if (target.empty() || target.size() > 64) return Status::BadInput("--target-db: not a database name");
  const bool over_configured = target == config.name;
  if (over_configured && manifest.db_name != config.name) {
    return Status::BadInput("backup set " + r_->set_dir + " is of database '" + manifest.db_name +
                                "', not of the configured database '" + config.name + "'",
                            "to copy it into another database give --target-db NAME");
  }
  const std::string host = config.host + ":" + std::to_string(config.port);
  if (manifest.db_host != host) Warn("the set was made on " + manifest.db_host + ", restoring on " + host);
  r_->target = target;
  BAMORT_RETURN_IF_ERROR(Connection::Open(config, &admin_, /*use_database=*/false));
  if (manifest.server_version != admin_->server_version()) {
    Warn("the set was made on MariaDB " + manifest.server_version + ", this server is " + admin_->server_version() +
         "; CHECKSUM TABLE may differ between versions");
  }
  Value exists;
  BAMORT_RETURN_IF_ERROR(admin_->QueryValue(
      "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + admin_->Quote(target), &exists));
  target_exists_ = exists && *exists != "0";
  Value objects;
  BAMORT_RETURN_IF_ERROR(admin_->QueryValue(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + admin_->Quote(target), &objects));
  r_->existing_objects = objects ? std::stoll(*objects) : 0;
  needs_.create_database = !target_exists_;
  Value routines, events;
  BAMORT_RETURN_IF_ERROR(admin_->QueryValue(
      "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " + admin_->Quote(target), &routines));
  BAMORT_RETURN_IF_ERROR(admin_->QueryValue(
      "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " + admin_->Quote(target), &events));
  needs_.drop_routines = routines && *routines != "0";
  needs_.drop_events = events && *events != "0";
  // What an interrupted restore left (its mark) is replaced without --replace.
  std::optional<OperationMark> mark;
  if (target_exists_) BAMORT_RETURN_IF_ERROR(ReadOperationMark(admin_.get(), target, &mark));
  compared_mark_ = mark && mark->operation == "restore" && mark->run_id == kRestoreComparedMark &&
                   mark->detail == set_path_;
  if (!over_configured && r_->existing_objects > 0 && !o_.replace && !(mark && mark->operation == "restore")) {
    return Status::Precondition("--target-db " + target + " already holds " + std::to_string(r_->existing_objects) +
                                    " tables",
                                "give --replace to drop them, or choose an empty or new database");
  }
  return Status::Ok();
}

// Every statement the restore will issue on the target is allowed to the user.
Status RestoreRun::CheckPrivileges() {
  r_->privileges_needed = RestorePrivileges(content_, needs_);
  std::string unknown;
  BAMORT_RETURN_IF_ERROR(
      CheckRestorePrivileges(admin_.get(), r_->target, r_->privileges_needed, content_.definers, &unknown));
  if (!unknown.empty()) Warn(unknown);
  return Status::Ok();
}

// A restore of this very set was killed after its comparison, before it dropped its
// mark: when the database still equals the manifest only the mark goes, else the
// restore runs as usual.
Status RestoreRun::FinishEarlierRun(bool* finished) {
  *finished = false;
  std::optional<OperationMark> mark;
  BAMORT_RETURN_IF_ERROR(ReadOperationMark(admin_.get(), r_->target, &mark));  // again, under the lock
  if (!mark || mark->run_id != kRestoreComparedMark || mark->detail != set_path_) return Status::Ok();
  BAMORT_RETURN_IF_ERROR(Compare("compare_earlier_run"));
  if (!r_->differences.empty()) {
    Warn("an earlier restore of this set had compared equal, but " + r_->target + " differs from the manifest now (" +
         r_->differences.front() + "): restoring it again");
    r_->differences.clear();
    r_->compared = false;
    return Status::Ok();
  }
  Info("restore: an earlier restore of this set was interrupted after its comparison; " + r_->target +
       " still equals the manifest, so only its mark is dropped");
  BAMORT_RETURN_IF_ERROR(ClearMark());
  r_->finished_earlier_run = *finished = true;
  return Status::Ok();
}

// 3. Empty the target, then load the set's SQL dump or JSON export into it.
Status RestoreRun::EmptyAndLoad() {
  auto t_load = std::chrono::steady_clock::now();
  auto t = t_load;
  BAMORT_RETURN_IF_ERROR(Empty().WithContext("emptying " + r_->target));
  r_->emptied = true;
  Phase("drop", &t);
  Info("restore: emptied " + r_->target + " (" + std::to_string(r_->dropped.size()) +
       " tables and views dropped); loading " + from() + " from " + source_->name);
  BAMORT_RETURN_IF_ERROR(Load(r_->set_dir + "/" + source_->name));
  r_->load_ms = MsSince(t_load);
  return Status::Ok();
}

// The drops wait bounded (the session's lock waits): a connection that took a lock after
// CheckNothingBlocks is named, and the drops are tried again (db/lock_wait.h).
Status RestoreRun::Empty() {
  LockWaitOptions lw = o_.lock_wait;
  lw.database = r_->target;
  return RetryOnLockWait(
      admin_.get(), lw, "dropping the tables of " + r_->target,
      [this] {
        r_->dropped.clear();
        return DropAllButOperationMark(admin_.get(), r_->target, &r_->dropped);
      },
      [this](const std::string& line) { Warn(line); });
}

Status RestoreRun::Load(const std::string& path) {
  auto t = std::chrono::steady_clock::now();
  if (o_.from == RestoreSource::kSqlDump) {
    ParallelLoadResult loaded;
    Status s = ParallelLoadSqlDump(deps_.config, r_->target, path, ParallelLoadOptions{},
                                   [this](uint64_t bytes) { Info("restore: " + HumanBytes(bytes) + " of SQL loaded"); },
                                   &loaded);
    r_->load_chunks = loaded.chunks;
    r_->phases_ms.emplace_back("load_schema_and_data", loaded.data_ms);
    r_->phases_ms.emplace_back("load_triggers", loaded.deferred_ms);
    r_->phases_ms.emplace_back("load_reader_waited", loaded.reader_waited_ms);
    return s;
  }
  DbConfig target_config = deps_.config;
  target_config.name = r_->target;
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(Connection::Open(target_config, &conn));
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0, time_zone = '+00:00', "
                                       "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'"));
  BAMORT_RETURN_IF_ERROR(ImportJson(conn.get(), path, [this](const std::string& t, uint64_t rows) {
    Info("restore: " + t + " (" + std::to_string(rows) + " rows)");
  }));
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET FOREIGN_KEY_CHECKS = 1, UNIQUE_CHECKS = 1"));
  r_->phases_ms.emplace_back("load_json", MsSince(t));
  return Status::Ok();
}

// 4. Compare with the manifest, on two connections at once.
Status RestoreRun::Compare(const char* phase) {
  auto t_compare = std::chrono::steady_clock::now();
  std::unique_ptr<Connection> second;
  BAMORT_RETURN_IF_ERROR(Connection::Open(deps_.config, &second, /*use_database=*/false));
  BAMORT_RETURN_IF_ERROR(ReadTableStatsParallel({admin_.get(), second.get()}, r_->target, &r_->restored));
  r_->compare_ms = MsSince(t_compare);
  r_->phases_ms.emplace_back(phase, r_->compare_ms);
  r_->differences = CompareTableStats(r_->manifest.tables, r_->restored);
  r_->compared = true;
  return Status::Ok();
}

// The comparison found the set: a "compared" row first (a kill from here on leaves a
// mark the next run of this set only has to check), then the mark goes.
Status RestoreRun::ClearMark() {
  auto t = std::chrono::steady_clock::now();
  Status s = BeginOperationMark(admin_.get(), r_->target,
                                NewOperationMark("restore", set_path_, kRestoreComparedMark));
  if (s.ok()) deps_.env->FaultPoint(kFaultRestoreAfterCompare);
  if (s.ok()) s = EndOperationMark(admin_.get(), r_->target);
  if (!s.ok()) return Dirty(s.WithContext("clearing the restore's mark"));
  Phase("clear_mark", &t);
  Info("restore: time per phase: " + DescribePhases(*r_));
  return Status::Ok();
}

Status RestoreRun::Judge() const {
  const std::vector<std::string>& diffs = r_->differences;
  if (!diffs.empty()) {
    return Status::Dirty("restored " + r_->target + " differs from the manifest: " + diffs.front() +
                             (diffs.size() > 1 ? " (and " + std::to_string(diffs.size() - 1) + " more)" : ""),
                         "the database was changed; try --from " +
                             std::string(o_.from == RestoreSource::kSqlDump ? "json" : "sql") +
                             " or another set, and read details.differences");
  }
  Info("restore: " + std::to_string(r_->manifest.tables.size()) +
       " tables equal to the manifest (rows and CHECKSUM TABLE), " + std::to_string(r_->load_ms) + " ms");
  return Status::Ok();
}

}  // namespace

std::string DescribePhases(const RestoreResult& result) {
  std::string out;
  for (const auto& [name, ms] : result.phases_ms) out += (out.empty() ? "" : ", ") + name + " " + std::to_string(ms) + " ms";
  return out;
}

const char* RestoreSourceName(RestoreSource from) { return from == RestoreSource::kSqlDump ? "sql" : "json"; }

Status RestoreBackupSet(const RestoreOptions& options, const RestoreDeps& deps, RestoreResult* result) {
  *result = RestoreResult();
  return RestoreRun(options, deps, result).Run();
}

}  // namespace bamort
