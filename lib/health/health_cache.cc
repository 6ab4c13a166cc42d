#include "health/health_cache.h"

#include <spdlog/spdlog.h>

#include "backup/backup_set.h"
#include "common/secrets.h"
#include "migrate/migration_source.h"

namespace bamort {

HealthCache::HealthCache(Reader reader, std::chrono::milliseconds refresh)
    : reader_(std::move(reader)), refresh_(refresh) {}

std::shared_ptr<const HealthSnapshot> HealthCache::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!current_ || now - read_at_ >= refresh_) {
    current_ = std::make_shared<const HealthSnapshot>(reader_());
    ++reads_;
    // The interval counts from the end of the read, so a slow database (a connect
    // timeout) cannot turn into back-to-back reads.
    read_at_ = std::chrono::steady_clock::now();
  }
  return current_;
}

uint64_t HealthCache::reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reads_;
}

DatabaseStateReader::DatabaseStateReader(DbConfig config, std::vector<Migration> migrations, std::string backups_dir)
    : config_(std::move(config)), migrations_(std::move(migrations)), backups_dir_(std::move(backups_dir)) {}

Status DatabaseStateReader::ReadOnce(HealthSnapshot* out) {
  if (!conn_ || conn_->broken()) {
    conn_.reset();
    BAMORT_RETURN_IF_ERROR(Connection::Open(config_, &conn_));
  }
  VersionStatus vs;
  Status s = ReadVersionStatus(conn_.get(), migrations_, &vs);
  if (!s.ok()) {
    conn_.reset();  // whatever went wrong, the next attempt starts on a new connection
    return s;
  }
  *out = SnapshotFromVersionStatus(vs, static_cast<int64_t>(migrations_.size()));
  return Status::Ok();
}

HealthSnapshot DatabaseStateReader::Read() {
  HealthSnapshot snap;
  bool reused = conn_ && !conn_->broken();
  Status s = ReadOnce(&snap);
  if (!s.ok() && reused) s = ReadOnce(&snap);
  if (!s.ok()) {
    std::string error = Redact(s.ToString());
    if (error != last_error_) spdlog::warn("reading the database state failed: {}", error);
    last_error_ = error;
    std::string required = migrations_.empty() ? std::string() : migrations_.back().version.ToString();
    snap = UnreachableSnapshot(s, required, static_cast<int64_t>(migrations_.size()));
  } else {
    if (!last_error_.empty()) spdlog::info("database state readable again: {}", snap.state);
    last_error_.clear();
  }
  ReadBackups(&snap);
  return snap;
}

void DatabaseStateReader::ReadBackups(HealthSnapshot* out) {
  if (backups_dir_.empty()) return;
  out->backups_checked = true;
  SetListing listing;
  Status s = ListBackupSets(backups_dir_, &listing);
  if (!s.ok()) {
    spdlog::warn("listing backup sets in {} failed: {}", backups_dir_, Redact(s.ToString()));
    return;
  }
  for (const BackupSet& set : listing.sets) {  // newest first
    if (set.manifest.db_name != config_.name) continue;
    out->last_backup = LastBackupInfo{set.manifest.set_name, UnixSeconds(set.manifest.created_at), set.manifest.verified};
    return;
  }
}

}  // namespace bamort
