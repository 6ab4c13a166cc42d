#include "backup/logical_backup.h"

#include <unistd.h>

#include <memory>

#include <spdlog/spdlog.h>

#include "backup/json_export.h"
#include "backup/space_check.h"
#include "backup/table_stats.h"
#include "build_info.h"
#include "common/measure.h"
#include "common/output_dir.h"
#include "common/sha256.h"
#include "db/named_lock.h"
#include "server/private_server.h"

namespace bamort {

namespace {

constexpr const char* kDumpFile = "dump.sql.gz";
constexpr const char* kExportFile = "export.jsonl.gz";
constexpr const char* kManifestFile = "manifest.json";

// Removes the .partial folder when the run ends before the rename, unless told to keep it.
class PartialFolder {
 public:
  PartialFolder(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  ~PartialFolder() {
    if (!done_ && !keep_) DeletePartialDir(dir_, env_);
  }
  PartialFolder(const PartialFolder&) = delete;
  PartialFolder& operator=(const PartialFolder&) = delete;
  void Keep() { keep_ = true; }
  void Renamed() { done_ = true; }

 private:
  Env* env_;
  std::string dir_;
  bool keep_ = false;
  bool done_ = false;
};

// One backup, step by step; every step fills its part of the result.
class LogicalBackupRun {
 public:
  LogicalBackupRun(const LogicalBackupOptions& options, const LogicalBackupDeps& deps, LogicalBackupResult* result)
      : o_(options), deps_(deps), env_(deps.env ? deps.env : Env::Default()), r_(result) {}

  Status Run() {
    BAMORT_RETURN_IF_ERROR(Connect());
    BAMORT_RETURN_IF_ERROR(NameSet());
    if (o_.dry_run) return DryRun();
    BAMORT_RETURN_IF_ERROR(CheckSpace(o_.verify && PrivateVerifyPossible()));
    BAMORT_RETURN_IF_ERROR(PrepareVerifier());
    // The deployment lock keeps migrations (DDL) out while the dump runs:
    // --single-transaction does not protect a dump against ALTER TABLE.
    NamedLock lock;
    BAMORT_RETURN_IF_ERROR(lock.AcquireDeployment(conn_.get(), o_.lock_timeout_seconds));
    BAMORT_RETURN_IF_ERROR(env_->CreateDirs(o_.out_dir));
    Status created = env_->CreateDir(r_->partial_dir, 0700);
    if (!created.ok()) return Status::Failed(created.message(), "check that --out-dir is writable and has space");
    PartialFolder partial(env_, r_->partial_dir);
    BAMORT_RETURN_IF_ERROR(Dump());
    lock.Release();
    Status verified = Verify();
    if (r_->partial_kept) partial.Keep();
    BAMORT_RETURN_IF_ERROR(verified);
    BAMORT_RETURN_IF_ERROR(Complete(&partial));
    Retention();
    return Status::Ok();
  }

 private:
  const std::string& db() const { return deps_.config.name; }
  std::string InPartial(const char* file) const { return r_->partial_dir + "/" + file; }
  void Info(const std::string& line) const {
    if (deps_.info) deps_.info(line);
  }
  void Warn(const std::string& warning) const {
    r_->warnings.push_back(warning);
    if (deps_.warn) deps_.warn(warning);
  }

  Status Connect();
  Status NameSet();
  Status DryRun();
  bool PrivateVerifyPossible(std::string* why_not = nullptr) const;
  Status CheckSpace(bool private_verify);
  Status PrepareVerifier();
  Status Dump();
  Status Verify();
  Status Complete(PartialFolder* partial);
  void Retention();

  const LogicalBackupOptions& o_;
  const LogicalBackupDeps& deps_;
  Env* env_;
  LogicalBackupResult* r_;
  std::unique_ptr<Connection> conn_;
  SystemTime now_{};
  std::unique_ptr<DumpVerifier> verifier_;
};

// Step 1: the folder, the connection, the version, whether a set can hold the database.
Status LogicalBackupRun::Connect() {
  std::string out_dir_warning;
  BAMORT_RETURN_IF_ERROR(CheckOutputDir("--out-dir", o_.out_dir, &out_dir_warning, env_));
  if (!out_dir_warning.empty()) Warn(out_dir_warning);
  BAMORT_RETURN_IF_ERROR(Connection::Open(deps_.config, &conn_));
  if (!deps_.read_version) return Status::Failed("internal: RunLogicalBackup without read_version");
  BAMORT_RETURN_IF_ERROR(deps_.read_version(conn_.get(), &r_->version));
  r_->version_read = true;
  return CheckExportable(conn_.get(), db());
}

// Step 1: the manifest's header and a set name no folder uses yet.
Status LogicalBackupRun::NameSet() {
  now_ = env_->Now();
  Manifest& m = r_->manifest;
  m.set_name = SetNameFor(db(), now_);
  m.created_at = now_;
  m.run_id = o_.run_id;
  m.db_host = deps_.config.host + ":" + std::to_string(deps_.config.port);
  m.db_name = db();
  m.db_version = r_->version.version;
  m.migration_number = r_->version.migration_number;
  m.server_version = conn_->server_version();
  m.tool_version = kToolVersion;
  m.backend_version = kBackendVersion;
  auto taken = [&](const std::string& name) {
    FileInfo set, partial;
    env_->Stat(o_.out_dir + "/" + name, &set);
    env_->Stat(PartialDirFor(o_.out_dir, name), &partial);
    return set.exists || partial.exists;
  };
  for (int i = 2; taken(m.set_name); ++i) m.set_name = SetNameFor(db(), now_) + "-" + std::to_string(i);
  r_->set_name = m.set_name;
  r_->set_dir = o_.out_dir + "/" + m.set_name;
  r_->partial_dir = PartialDirFor(o_.out_dir, m.set_name);
  return Status::Ok();
}

// The dry run: what the backup would write, verify and delete; writes nothing.
Status LogicalBackupRun::DryRun() {
  BAMORT_RETURN_IF_ERROR(ListBaseTables(conn_.get(), db(), &r_->tables));
  SetListing listing;
  BAMORT_RETURN_IF_ERROR(ListBackupSets(o_.out_dir, &listing, env_));
  r_->planned_retention = PlanRetention(listing, o_.policy, db(), "", now_);
  r_->private_verify = PrivateVerifyPossible(&r_->why_no_private);
  if (o_.verify && o_.verify_where == VerifyWhere::kPrivateServer && !r_->private_verify) {
    return Status::Precondition("--verify-in private: cannot start a private verify server: " + r_->why_no_private);
  }
  BAMORT_RETURN_IF_ERROR(CheckSpace(o_.verify && r_->private_verify));
  if (r_->why_no_private.empty()) r_->why_no_private = "--verify-in scratch";
  return Status::Ok();
}

// Whether --verify would load the dump into a private server (false for --verify-in scratch).
bool LogicalBackupRun::PrivateVerifyPossible(std::string* why_not) const {
  std::string unused;
  if (o_.verify_where == VerifyWhere::kScratchSchema) return false;
  return PrivateServer::Available(o_.verify_server, why_not ? why_not : &unused);
}

// Step 2: free space for the set and for the private verify copy, before anything is
// written (space_check.h), in the dry run as in the real run.
Status LogicalBackupRun::CheckSpace(bool private_verify) {
  BAMORT_RETURN_IF_ERROR(DatabaseBytes(conn_.get(), &r_->table_bytes));
  r_->space_checked = true;
  const std::string verify_dir = o_.verify && private_verify ? PrivateServer::ParentDir(o_.verify_server) : "";
  return CheckFreeSpace(BackupSpaceNeeds(r_->table_bytes, o_.out_dir, verify_dir), env_);
}

// Step 2: where --verify will load the dump, decided (and its server installing) before
// anything is dumped: a job that cannot verify is refused first (exit 3).
Status LogicalBackupRun::PrepareVerifier() {
  if (!o_.verify) return Status::Ok();
  VerifyOptions vo;
  vo.where = o_.verify_where;
  vo.server = o_.verify_server;
  vo.source = deps_.config;
  vo.scratch_name = "bamort_verify_" + Sha256Hex(r_->set_name + std::to_string(::getpid())).substr(0, 12);
  verifier_ = std::make_unique<DumpVerifier>(vo);
  BAMORT_RETURN_IF_ERROR(verifier_->Prepare(conn_.get()));
  r_->verify_method = verifier_->method();
  return Status::Ok();
}

// Step 3: dump, JSON export and the two checksum snapshots (consistent_dump.h).
Status LogicalBackupRun::Dump() {
  Info("backup of " + deps_.config.Describe() + " into " + r_->set_dir);
  ConsistentDumpOptions d;
  d.config = deps_.config;
  d.dump_path = InPartial(kDumpFile);
  d.export_path = InPartial(kExportFile);
  d.created_at = FormatRfc3339(now_);
  d.content_hashes = o_.verify;
  // Fault point (common/env.h; only a test's Env answers it): a statement committed by
  // another connection after the dump's snapshot is open and before snapshot B, standing
  // in for the application writing while the backup runs.
  if (std::optional<std::string> write = env_->FaultPointSql(kFaultBeforeSnapshotB); write && !write->empty()) {
    d.before_snapshot_b = [config = deps_.config, sql = *write] {
      std::unique_ptr<Connection> writer;
      Status w = Connection::Open(config, &writer);
      if (w.ok()) w = writer->Execute(sql);
      if (!w.ok()) spdlog::warn("test write before snapshot B failed: {}", w.ToString());
    };
  }
  ConsistentDumpResult& dumped = r_->dump;
  BAMORT_RETURN_IF_ERROR(DumpConsistently(conn_.get(), d, &dumped));
  r_->dumped = true;
  Info("dump: " + HumanBytes(dumped.dump.sql_bytes) + " of SQL, " + HumanBytes(dumped.dump.gzip_bytes) +
       " gzip; export: " + HumanBytes(dumped.exported.json_bytes) + " of JSON, " +
       HumanBytes(dumped.exported.gzip_bytes) + " gzip; " + std::to_string(dumped.dump_ms) + " ms (checksums " +
       std::to_string(dumped.checksums_ms) + " and " + std::to_string(dumped.checksums_after_ms) + " ms beside it)");
  Manifest& m = r_->manifest;
  m.files.push_back({kDumpFile, "sql-dump", dumped.dump.sha256, dumped.dump.gzip_bytes, dumped.dump.sql_bytes});
  m.files.push_back({kExportFile, "json-export", dumped.exported.sha256, dumped.exported.gzip_bytes,
                     dumped.exported.json_bytes});
  if (!dumped.changed.empty()) {
    r_->changed = dumped.changed;
    return Status::Failed("the database changed while the backup ran (" + r_->changed.front() +
                              (r_->changed.size() > 1 ? ", ..." : "") + "); the set would not match its manifest",
                          "run the backup again when the application is idle (or stopped)");
  }
  m.tables = dumped.tables;
  return Status::Ok();
}

// Step 4: the dump loaded into a throwaway database and compared with the source.
Status LogicalBackupRun::Verify() {
  if (!o_.verify) return Status::Ok();
  Manifest& m = r_->manifest;
  BAMORT_RETURN_IF_ERROR(verifier_->Verify(InPartial(kDumpFile), m.tables, &r_->verification));
  r_->verify_ran = true;
  m.verification = r_->verification.ToJson();
  if (!r_->verification.equal()) {
    m.verified = false;
    r_->partial_kept = true;
    env_->WriteFileAtomic(InPartial(kManifestFile), m.ToJsonText(), 0600);
    return Status::Failed("verification failed: the dump restores to different contents (" +
                              r_->verification.differences.front() + ")",
                          "the unverified files are kept in " + r_->partial_dir + " for inspection; retention "
                          "removes them after a day. Check the server log and disk, then run the backup again");
  }
  m.verified = true;
  Info("verify: all " + std::to_string(m.tables.size()) + " tables equal (" +
       std::to_string(r_->verification.duration_ms) + " ms)");
  return Status::Ok();
}

// Step 5: the manifest last, then the folder gets its final name.
Status LogicalBackupRun::Complete(PartialFolder* partial) {
  BAMORT_RETURN_IF_ERROR(env_->WriteFileAtomic(InPartial(kManifestFile), r_->manifest.ToJsonText(), 0600));
  BAMORT_RETURN_IF_ERROR(env_->SyncDir(r_->partial_dir));
  BAMORT_RETURN_IF_ERROR(env_->Rename(r_->partial_dir, r_->set_dir));
  partial->Renamed();
  r_->complete = true;
  env_->SyncDir(o_.out_dir);  // the rename is done; a failed sync of the parent changes nothing we can undo
  Info("backup set " + r_->set_dir + " complete (" + HumanBytes(r_->manifest.TotalSize()) + ")");
  return Status::Ok();
}

// Step 6: older sets of this database and leftover .partial folders; problems are warnings.
void LogicalBackupRun::Retention() {
  if (!o_.retention) return;
  SetListing listing;
  Status ls = ListBackupSets(o_.out_dir, &listing, env_);
  if (!ls.ok()) {
    Warn("retention skipped: " + ls.message());
    return;
  }
  r_->retention = PlanRetention(listing, o_.policy, db(), r_->set_dir, now_);
  std::vector<std::string> warnings;
  ApplyRetention(listing, &r_->retention, &warnings, env_);
  for (const std::string& w : warnings) Warn(w);
  for (const std::string& d : r_->retention.deleted) Info("retention: deleted " + d);
  for (const std::string& d : r_->retention.partials_deleted) Info("retention: deleted the leftover " + d);
  r_->retention_ran = true;
}

}  // namespace

Status RunLogicalBackup(const LogicalBackupOptions& options, const LogicalBackupDeps& deps,
                        LogicalBackupResult* result) {
  return LogicalBackupRun(options, deps, result).Run();
}

}  // namespace bamort
