// The Migrator's run of a plan: the records around each migration, the statements, the
// failure bookkeeping and the schema check where a version ends (migrator.h).
#include <chrono>

#include <spdlog/spdlog.h>

#include "common/fault_points.h"
#include "common/measure.h"
#include "migrate/migrator.h"

namespace bamort {

MigrationStep StepOf(const Migration& m, bool down) {
  MigrationStep s;
  s.number = m.number;
  s.name = m.name;
  s.version = m.version.ToString();
  s.description = m.description;
  s.statements = down ? m.down.size() : m.up.size();
  return s;
}

Status Migrator::RunOne(const Migration& m, bool down, const std::string& applied_by, int64_t* duration_ms,
                        size_t* committed) {
  const auto& statements = down ? m.down : m.up;
  auto start = std::chrono::steady_clock::now();
  BAMORT_RETURN_IF_ERROR(driver_->BeginMigration(lock_wait_));
  // Migration 1 creates the version tables, so before it ran there is nowhere to write
  // the start record; its statements are all IF NOT EXISTS and safe to repeat.
  bool recorded = driver_->HasVersionTables();
  if (recorded) BAMORT_RETURN_IF_ERROR(driver_->RecordStarted(m, down, applied_by));
  RunProgress progress;
  Status s = driver_->Run(statements, m.name + (down ? " (down)" : " (up)"), lock_wait_, &progress, [&](size_t index) {
    spdlog::debug("{}: statement {}/{} done", m.name, index + 1, statements.size());
    Status recorded_progress = recorded ? driver_->RecordProgress(m.number, index + 1) : Status::Ok();
    if (recorded_progress.ok()) FaultPoint(kFaultAfterMigrationStatement);
    return recorded_progress;
  });
  *committed = progress.committed;
  *duration_ms = MsSince(start);
  if (!s.ok()) {
    if (recorded) RecordRunFailure(m, down, progress, s);
    return s;
  }
  if (down) return driver_->RecordRolledBack(m, Previous(m));
  if (!recorded) BAMORT_RETURN_IF_ERROR(driver_->RecordStarted(m, false, applied_by));
  return driver_->RecordApplied(m, *duration_ms, applied_by);
}

void Migrator::RecordRunFailure(const Migration& m, bool down, const RunProgress& progress, const Status& failure) {
  const auto& statements = down ? m.down : m.up;
  // A failed down keeps "rollback:" in front of its error, so Repair knows which way it went.
  Status recorded_error = down ? failure.WithContext("rollback") : failure;
  // failed_index is -1 when every statement so far succeeded and recording the progress
  // after one of them failed (for example the server went away right after a commit).
  SqlStatement bookkeeping{"-- (recording progress after statement " + std::to_string(progress.committed) + " failed)",
                           0};
  const SqlStatement& failed =
      progress.failed_index >= 0 ? statements[static_cast<size_t>(progress.failed_index)] : bookkeeping;
  Status rec = progress.committed == 0 && !down
                   ? driver_->ForgetRecord(m.number)
                   : driver_->RecordFailure(m.number, progress.committed, failed, recorded_error);
  if (!rec.ok()) spdlog::error("could not record the failure in migration_history: {}", rec.ToString());
}

Status Migrator::EnsureBookkeeping() {
  if (!driver_->HasVersionTables() || driver_->HasBookkeeping()) return Status::Ok();
  spdlog::info("adding the bookkeeping columns to the version tables Bamort made (statements of {})",
               migrations_.front().name);
  RunProgress progress;
  BAMORT_RETURN_IF_ERROR(driver_->BeginMigration(lock_wait_));
  return driver_->Run(migrations_.front().up, migrations_.front().name, lock_wait_, &progress, nullptr);
}

// Where a run stops at the last migration of a version, the live schema must be that
// version's expected schema. Only where it stops: on the way through a version the schema
// may legitimately differ (a main-layout database already has 0.5.0's columns when it
// passes 0.4.0). The migrations all ran, so a mismatch means the database started from a
// layout the chain does not handle: it is recorded as dirty on the migration now in
// force, so nothing calls the database compatible until it is restored or repaired.
Status Migrator::ProveVersionReached(const Migration& m, bool down, MigrateResult* result) {
  const Migration* in_force = down ? Previous(m) : &m;
  if (in_force == nullptr) return Status::Ok();
  SchemaProof proof;
  Status read = driver_->ProveSchemaAt(in_force->version.ToString(), in_force->number, &proof);
  if (!read.ok()) return read.WithCode(StatusCode::kDirty).WithContext("schema check after migration " +
                                                                         std::to_string(in_force->number));
  if (!proof.checked) return Status::Ok();
  result->schema_checks.push_back(proof);
  if (proof.ok()) {
    spdlog::info("schema check: the database is exactly the expected schema of {} ({} leftover(s) tolerated)",
                 proof.version, proof.warnings.size());
    return Status::Ok();
  }
  Status failure = Status::Dirty(std::string(kSchemaCheckPrefix) + (down ? "after rolling back to " : "after ") +
                                 "migration " + std::to_string(in_force->number) + ": " + proof.Summary());
  SqlStatement what{"-- schema check against the expected schema of " + proof.version, 0};
  const size_t statements = (down ? m.down : m.up).size();
  Status rec = down ? driver_->MarkFailed(in_force->number, failure)
                    : driver_->RecordFailure(m.number, statements, what, failure);
  if (!rec.ok()) spdlog::error("could not record the failed schema check in migration_history: {}", rec.ToString());
  DbVersionState after;
  if (driver_->ReadState(&after).ok()) result->dirty = after.dirty;
  return failure.WithHint(
      "every migration ran, but the database does not have the schema of " + proof.version +
      " (it started from a layout the migrations do not handle). Restore the pre-deploy backup (deploy.sh does so "
      "automatically), or fix the differences by hand (bamort-validate lists them) and run bamort-migrate --repair");
}

// A failure after anything was committed (by this migration or the ones before it in the
// plan) is kDirty: the database is no longer at the version it had, and the hint says how
// to get back.
Status Migrator::RunPlan(const std::vector<const Migration*>& plan, bool down, const std::string& applied_by,
                         MigrateResult* result) {
  bool changed = false;
  for (const Migration* m : plan) {
    spdlog::info("{}migration {} ({}): {} [{} statements]", down ? "rolling back " : "", m->number,
                 m->version.ToString(), m->description, (down ? m->down : m->up).size());
    int64_t ms = 0;
    size_t committed = 0;
    Status s = RunOne(*m, down, applied_by, &ms, &committed);
    if (!s.ok()) {
      DbVersionState after;
      if (driver_->ReadState(&after).ok()) result->dirty = after.dirty;
      if (committed == 0 && !changed) return s;
      // A statement that gave up waiting for a lock changed nothing; its hint names the blocker.
      std::string undo = committed > 0 ? "the database is dirty: restore the pre-deploy backup, or fix by hand and run "
                                         "bamort-migrate --repair"
                                       : std::string("migrations before this one were ") +
                                             (down ? "rolled back" : "applied") + "; the database is at migration " +
                                             std::to_string(result->number_after) +
                                             ", restore the pre-deploy backup to undo them";
      if (IsLockWaitTimeout(s) && committed > 0) undo = "first bamort-migrate --repair (the migration re-runs from "
                                                        "its first statement), or restore the pre-deploy backup";
      return s.WithCode(StatusCode::kDirty).WithHint(IsLockWaitTimeout(s) ? s.hint() + "; " + undo : undo);
    }
    changed = true;
    if (m == plan.back()) BAMORT_RETURN_IF_ERROR(ProveVersionReached(*m, down, result));
    result->number_after = down ? m->number - 1 : m->number;
    const Migration* in_force = down ? Previous(*m) : m;
    if (in_force) {
      result->version_after = in_force->version.ToString();
    } else {
      result->version_after.reset();
    }
    MigrationStep step = StepOf(*m, down);
    step.duration_ms = ms;
    result->steps.push_back(step);
    spdlog::info("migration {} {} in {} ms", m->number, down ? "rolled back" : "applied", ms);
  }
  return Status::Ok();
}

}  // namespace bamort
