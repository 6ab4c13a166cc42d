#include "migrate/migrator.h"

#include <chrono>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "common/fault_points.h"
#include "db/named_lock.h"
#include "db/privileges.h"
#include "db/statement_runner.h"
#include "migrate/data_loss.h"
#include "migrate/layout_preflight.h"
#include "migrate/schema_proof.h"

namespace bamort {

namespace {

int64_t ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

MigrationStep StepOf(const Migration& m, bool down) {
  MigrationStep s;
  s.number = m.number;
  s.name = m.name;
  s.version = m.version.ToString();
  s.description = m.description;
  s.statements = down ? m.down.size() : m.up.size();
  return s;
}

}  // namespace

Status Migrator::ReadState(DbVersionState* state, Compatibility* compat) {
  VersionStore store(conn_);
  BAMORT_RETURN_IF_ERROR(store.Read(state).WithContext("reading the version tables"));
  *compat = AssessCompatibility(*state, migrations_);
  return Status::Ok();
}

Status Migrator::ResolveTarget(const std::optional<SemVer>& to_version, int64_t* number) const {
  if (!to_version) {
    *number = migrations_.back().number;
    return Status::Ok();
  }
  int64_t target = -1;
  std::string known;
  for (const Migration& m : migrations_) {
    if (m.version == *to_version) target = m.number;
    std::string v = m.version.ToString();
    if (known.find(v) == std::string::npos) known += (known.empty() ? "" : ", ") + v;
  }
  if (target < 0) {
    return Status::BadInput("--to-version " + to_version->ToString() + " is not a version of the migrations (known: " +
                            known + ")");
  }
  *number = target;
  return Status::Ok();
}

Status Migrator::DirtyRefusal(const DbVersionState& state) const {
  const MigrationRecord& d = *state.dirty;
  std::string what = "migration " + std::to_string(d.number) + " (" + d.description + ") is dirty";
  if (d.failed_statement) what += "; failed statement: " + SqlForMessage(*d.failed_statement);
  if (d.error_message) what += "; error: " + *d.error_message;
  return Status::Precondition(
      "the database is dirty: " + what,
      "two ways out: restore the pre-deploy backup (bamort-restore --backup <set>), or fix the database by hand "
      "and run bamort-migrate --repair, then bamort-migrate again (the migration re-runs from its first "
      "statement; its statements are written to be safe to repeat)");
}

Status Migrator::OperationRefusal(const DbVersionState& state) {
  return Status::Precondition("the database is incomplete: the " + state.operation->Describe() +
                                  ", has not finished (killed, failed or still running); nothing was changed",
                              state.operation->WayOut());
}

Status Migrator::RunningMigrationRefusal(const DbVersionState& state) const {
  std::optional<LockHolder> holder;
  if (!state.dirty || !FindLockHolder(conn_, NamedLock::NameFor(conn_->config().name), &holder).ok() || !holder) {
    return Status::Ok();
  }
  return Status::Precondition("a migration is running: migration " + std::to_string(state.dirty->number) + " (" +
                                  state.dirty->description + ") is being applied and the deployment lock is held by " +
                                  holder->Describe() + "; nothing was changed",
                              "wait for it to finish (bamort-status shows the outcome), then run this again");
}

void Migrator::PrintPlan(std::ostream& out, const std::vector<const Migration*>& plan, bool down,
                         const DbVersionState& state) const {
  out << "-- bamort " << (down ? "rollback" : "migrate") << " dry run: database at migration "
      << state.migration_number << " (" << state.layout << " layout), " << plan.size() << " migration(s)\n";
  for (const Migration* m : plan) {
    const auto& statements = down ? m->down : m->up;
    out << "\n-- migration " << m->number << " (" << m->version.ToString() << ", " << (down ? "down" : "up")
        << "): " << m->description << " [" << m->name << ", " << statements.size() << " statements]\n";
    for (const SqlStatement& s : statements) out << s.text << ";\n";
  }
}

Status Migrator::RunOne(VersionStore* store, const Migration& m, bool down, const std::string& applied_by,
                        int64_t* duration_ms, size_t* committed) {
  const auto& statements = down ? m.down : m.up;
  auto start = std::chrono::steady_clock::now();
  // Every migration starts from the same session state, whatever the one before it set
  // (0002 switches FOREIGN_KEY_CHECKS off and on; a failure would leave it off). User
  // variables are re-set by each migration itself. COM_RESET_CONNECTION is not an
  // option: it would release the deployment lock.
  BAMORT_RETURN_IF_ERROR(conn_->Execute(
      "SET SESSION foreign_key_checks = 1, unique_checks = 1, sql_mode = DEFAULT, "
      "NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"));
  BAMORT_RETURN_IF_ERROR(SetSessionLockWait(conn_, lock_wait_));
  // Migration 1 creates the version tables, so before it ran there is nowhere to write
  // the start record; its statements are all IF NOT EXISTS and safe to repeat.
  bool recorded = store->TrackingTablesExist();
  if (recorded) BAMORT_RETURN_IF_ERROR(store->RecordStarted(m, down ? "down" : "up", applied_by));
  RunProgress progress;
  Status s = RunStatements(
      conn_, statements, m.name + (down ? " (down)" : " (up)"), &progress,
      [&](size_t index) {
        spdlog::debug("{}: statement {}/{} done", m.name, index + 1, statements.size());
        Status recorded_progress = recorded ? store->RecordProgress(m.number, index + 1) : Status::Ok();
        if (recorded_progress.ok()) FaultPoint(kFaultAfterMigrationStatement);
        return recorded_progress;
      },
      &lock_wait_);
  *committed = progress.committed;
  *duration_ms = ElapsedMs(start);
  if (!s.ok()) {
    if (recorded) {
      // A failed down keeps "rollback:" in front of its error, so Repair knows which way it went.
      Status recorded_error = down ? s.WithContext("rollback") : s;
      // failed_index is -1 when every statement so far succeeded and recording the progress
      // after one of them failed (for example the server went away right after a commit).
      SqlStatement bookkeeping{"-- (recording progress after statement " + std::to_string(progress.committed) +
                                   " failed)",
                               0};
      const SqlStatement& failed =
          progress.failed_index >= 0 ? statements[static_cast<size_t>(progress.failed_index)] : bookkeeping;
      Status rec = progress.committed == 0 && !down
                       ? store->ForgetRecord(m.number)
                       : store->RecordFailure(m.number, progress.committed, failed, recorded_error);
      if (!rec.ok()) spdlog::error("could not record the failure in migration_history: {}", rec.ToString());
    }
    return s;
  }
  if (down) return store->RecordRolledBack(m, m.number > 1 ? &migrations_[static_cast<size_t>(m.number - 2)] : nullptr);
  if (!recorded) BAMORT_RETURN_IF_ERROR(store->RecordStarted(m, "up", applied_by));
  return store->RecordApplied(m, *duration_ms, applied_by);
}

Status Migrator::EnsureBookkeeping(VersionStore* store) {
  if (!store->TrackingTablesExist() || store->HasBookkeeping()) return Status::Ok();
  spdlog::info("adding the bookkeeping columns to the version tables Bamort made (statements of {})",
               migrations_.front().name);
  RunProgress progress;
  BAMORT_RETURN_IF_ERROR(SetSessionLockWait(conn_, lock_wait_));
  return RunStatements(conn_, migrations_.front().up, migrations_.front().name, &progress, nullptr, &lock_wait_);
}

// Where a run stops at the last migration of a version, the live schema must be that
// version's expected schema. Only where it stops: on the way through a version the schema
// may legitimately differ (a main-layout database already has 0.5.0's columns when it
// passes 0.4.0). The migrations all ran, so a mismatch means the database started from a
// layout the chain does not handle: it is recorded as dirty on the migration now in
// force, so nothing calls the database compatible until it is restored or repaired.
Status Migrator::ProveVersionReached(VersionStore* store, const Migration& m, bool down, MigrateResult* result) {
  const Migration* in_force = down ? (m.number > 1 ? &migrations_[static_cast<size_t>(m.number - 2)] : nullptr) : &m;
  if (in_force == nullptr || !HasExpectedSchemaAt(in_force->version.ToString(), in_force->number)) {
    return Status::Ok();
  }
  SchemaProof proof;
  Status read = ProveSchema(conn_, in_force->version.ToString(), in_force->number, &proof);
  if (!read.ok()) return read.WithCode(StatusCode::kDirty).WithContext("schema check after migration " +
                                                                         std::to_string(in_force->number));
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
  Status rec = down ? store->MarkFailed(in_force->number, failure)
                    : store->RecordFailure(m.number, statements, what, failure);
  if (!rec.ok()) spdlog::error("could not record the failed schema check in migration_history: {}", rec.ToString());
  DbVersionState after;
  if (store->Read(&after).ok()) result->dirty = after.dirty;
  return failure.WithHint(
      "every migration ran, but the database does not have the schema of " + proof.version +
      " (it started from a layout the migrations do not handle). Restore the pre-deploy backup (deploy.sh does so "
      "automatically), or fix the differences by hand (bamort-validate lists them) and run bamort-migrate --repair");
}

// A failure after anything was committed (by this migration or the ones before it in the
// plan) is kDirty: the database is no longer at the version it had, and the hint says how
// to get back.
Status Migrator::RunPlan(VersionStore* store, const std::vector<const Migration*>& plan, bool down,
                         const std::string& applied_by, MigrateResult* result) {
  bool changed = false;
  for (const Migration* m : plan) {
    spdlog::info("{}migration {} ({}): {} [{} statements]", down ? "rolling back " : "", m->number,
                 m->version.ToString(), m->description, (down ? m->down : m->up).size());
    int64_t ms = 0;
    size_t committed = 0;
    Status s = RunOne(store, *m, down, applied_by, &ms, &committed);
    if (!s.ok()) {
      DbVersionState after;
      if (store->Read(&after).ok()) result->dirty = after.dirty;
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
    if (m == plan.back()) BAMORT_RETURN_IF_ERROR(ProveVersionReached(store, *m, down, result));
    result->number_after = down ? m->number - 1 : m->number;
    if (!down) {
      result->version_after = m->version.ToString();
    } else if (m->number > 1) {
      result->version_after = migrations_[static_cast<size_t>(m->number - 2)].version.ToString();
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

// Upstream's setupcheck appends its marker row when a database lacks one; on a database
// migrated by an older build of this tool it then became the latest row, and upstream's
// systeminfo reports 0.1.37. With nothing pending, migrate records the version again.
Status Migrator::RecordVersionAfterUpstreamMarker(const DbVersionState& state, const MigrateOptions& options,
                                                  MigrateResult* result) {
  if (!state.has_tracking || state.applied.empty() || state.migration_number < 1 ||
      state.migration_number > migrations_.back().number) {
    return Status::Ok();
  }
  VersionStore store(conn_);
  bool marker_latest = false;
  BAMORT_RETURN_IF_ERROR(store.MarkerIsLatest(&marker_latest));
  if (!marker_latest) return Status::Ok();
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(
      lock.Acquire(conn_, NamedLock::NameFor(conn_->config().name), options.lock_timeout_seconds));
  result->lock_taken = true;
  const Migration& current = migrations_[static_cast<size_t>(state.migration_number - 1)];
  BAMORT_RETURN_IF_ERROR(store.RecordCurrentVersionAgain(current));
  result->version_recorded_again = true;
  spdlog::info("the latest schema_version row was upstream's setupcheck marker ({}); recorded version {} again",
               kUpstreamMarkerVersion, current.version.ToString());
  return lock.Release();
}

// A layout the chain cannot bring to the expected schema is refused before anything
// changes, naming each difference (layout_preflight.h).
Status Migrator::Preflight(const DbVersionState& state, MigrateResult* result) {
  result->preflight_problems.clear();
  Status preflight = CheckLayoutPreflight(conn_, state, &result->preflight_problems);
  if (preflight.ok()) return preflight;
  return preflight.WithHint("nothing was changed. " +
                            (preflight.hint().empty()
                                 ? std::string("The database differs from every layout the migrations know in a way "
                                               "they cannot repair; restore the missing objects or data (from an "
                                               "older backup)")
                                 : preflight.hint()));
}

// The statements of the migrations need these on the database. Checked before the first
// one, in the dry run too (it rehearses on a private server, where it is root).
Status Migrator::CheckMigratePrivileges() {
  static const std::vector<std::string> kNeeded = {"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE",
                                                   "DROP",   "ALTER",  "INDEX",  "REFERENCES"};
  PrivilegeCheck check;
  BAMORT_RETURN_IF_ERROR(CheckPrivileges(conn_, kNeeded, &check).WithContext("reading the user's privileges"));
  if (!check.known) {
    spdlog::warn("could not tell whether the user may run the migrations ({}); going on", check.why_unknown);
    return Status::Ok();
  }
  if (check.missing.empty()) return Status::Ok();
  std::string missing;
  for (const std::string& p : check.missing) missing += (missing.empty() ? "" : ", ") + p;
  return Status::Precondition(
      "the database user lacks " + missing + " on `" + conn_->config().name +
          "`, which the migrations need; nothing was changed",
      "grant them (the official MariaDB image gives its user ALL PRIVILEGES on the database, which is enough: "
      "docs/CONFIGURATION.md, 'Privileges each job uses')");
}

Status Migrator::Migrate(const MigrateOptions& options, MigrateResult* result) {
  lock_wait_ = options.lock_wait;
  SessionLockWaitScope lock_wait_scope(conn_);
  int64_t target = 0;
  BAMORT_RETURN_IF_ERROR(ResolveTarget(options.to_version, &target));
  DbVersionState state;
  Compatibility compat;
  BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
  result->number_before = result->number_after = state.migration_number;
  result->version_before = result->version_after = compat.actual_version;
  result->layout_before = state.layout;
  result->checksum_drift = compat.checksum_drift;

  auto plan_for = [&](const DbVersionState& st, std::vector<const Migration*>* plan) -> Status {
    plan->clear();
    if (st.operation && st.operation->operation != options.part_of_operation) return OperationRefusal(st);
    if (st.dirty) return DirtyRefusal(st);
    if (st.migration_number > migrations_.back().number) {
      return Status::Precondition(AssessCompatibility(st, migrations_).reason,
                                  "deploy a newer bamort-deploy image that matches the database");
    }
    if (target < st.migration_number) {
      return Status::BadInput("--to-version " + options.to_version->ToString() +
                              " is below the database's version; use bamort-rollback to go down");
    }
    for (const Migration& m : migrations_) {
      if (m.number > st.migration_number && m.number <= target) plan->push_back(&m);
    }
    return Status::Ok();
  };

  std::string lock_name = NamedLock::NameFor(conn_->config().name);
  // A started record while another process holds the lock is a migration in progress,
  // not a dirty database: wait for the lock and look again.
  bool in_progress = false;
  if (state.dirty) {
    std::optional<LockHolder> holder;
    in_progress = FindLockHolder(conn_, lock_name, &holder).ok() && holder.has_value();
    if (in_progress) {
      spdlog::info("migration {} is being applied by {}; waiting for it", state.dirty->number, holder->Describe());
    }
  }
  std::vector<const Migration*> plan;
  if (state.operation && state.operation->operation != options.part_of_operation) return OperationRefusal(state);
  if (!in_progress) {
    BAMORT_RETURN_IF_ERROR(plan_for(state, &plan));
    if (plan.empty()) {
      spdlog::info("nothing pending: database at migration {} (version {})", state.migration_number,
                   compat.actual_version.value_or("none"));
      return options.dry_run ? Status::Ok() : RecordVersionAfterUpstreamMarker(state, options, result);
    }
  } else if (options.dry_run) {
    return Status::Precondition("a migration is running right now; run the dry run again when it has finished");
  }
  if (!in_progress) BAMORT_RETURN_IF_ERROR(CheckMigratePrivileges());
  // The dry run checks the layout here; the real run under the lock, on the state it then
  // reads (another process may be migrating this very moment).
  if (options.dry_run) BAMORT_RETURN_IF_ERROR(Preflight(state, result));
  if (options.dry_run) {
    for (const Migration* m : plan) result->steps.push_back(StepOf(*m, false));
    if (options.sql_out) PrintPlan(*options.sql_out, plan, false, state);
    spdlog::info("dry run: {} migration(s) would run, nothing changed", plan.size());
    return Status::Ok();
  }

  NamedLock lock;
  spdlog::info("{} migration(s) pending; taking the deployment lock {} (timeout {} s)", plan.size(), lock_name,
               options.lock_timeout_seconds);
  BAMORT_RETURN_IF_ERROR(lock.Acquire(conn_, lock_name, options.lock_timeout_seconds));
  result->lock_taken = true;
  // Another process may have migrated while we waited.
  BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
  result->number_before = result->number_after = state.migration_number;
  result->version_before = result->version_after = compat.actual_version;
  BAMORT_RETURN_IF_ERROR(plan_for(state, &plan));
  if (plan.empty()) {
    spdlog::info("nothing pending any more: another process brought the database to migration {}",
                 state.migration_number);
    return Status::Ok();
  }
  BAMORT_RETURN_IF_ERROR(Preflight(state, result));

  VersionStore store(conn_);
  BAMORT_RETURN_IF_ERROR(EnsureBookkeeping(&store));
  BAMORT_RETURN_IF_ERROR(RunPlan(&store, plan, /*down=*/false, options.applied_by, result));
  return lock.Release();
}

Status Migrator::Rollback(const RollbackOptions& options, MigrateResult* result) {
  lock_wait_ = options.lock_wait;
  SessionLockWaitScope lock_wait_scope(conn_);
  if (options.steps.has_value() == options.to_version.has_value()) {
    return Status::BadInput("give exactly one of --steps N or --to-version V");
  }
  DbVersionState state;
  Compatibility compat;
  BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
  result->number_before = result->number_after = state.migration_number;
  result->version_before = result->version_after = compat.actual_version;
  result->layout_before = state.layout;
  if (state.operation) return OperationRefusal(state);
  BAMORT_RETURN_IF_ERROR(RunningMigrationRefusal(state));
  if (state.dirty) return DirtyRefusal(state);
  if (state.migration_number > migrations_.back().number) {
    return Status::Precondition(compat.reason, "roll back with the build that applied those migrations");
  }
  int64_t target = 0;
  if (options.steps) {
    if (*options.steps < 1) return Status::BadInput("--steps must be at least 1");
    target = state.migration_number - *options.steps;
    if (target < 0) {
      return Status::BadInput("--steps " + std::to_string(*options.steps) + " goes below the first migration (" +
                              std::to_string(state.migration_number) + " applied)");
    }
  } else {
    BAMORT_RETURN_IF_ERROR(ResolveTarget(options.to_version, &target));
    if (target > state.migration_number) {
      return Status::BadInput("--to-version " + options.to_version->ToString() +
                              " is above the database's version; use bamort-migrate to go up");
    }
  }
  std::vector<const Migration*> plan;
  for (int64_t n = state.migration_number; n > target; --n) plan.push_back(&migrations_[static_cast<size_t>(n - 1)]);
  for (const Migration* m : plan) {
    if (!m->has_down) {
      return Status::Precondition("migration " + std::to_string(m->number) + " (" + m->name +
                                      ") has no down part: " + m->irreversible_reason,
                                  "nothing was changed; restore a backup taken before that migration instead");
    }
  }
  if (plan.empty()) {
    spdlog::info("nothing to roll back: database at migration {}", state.migration_number);
    return Status::Ok();
  }
  BAMORT_RETURN_IF_ERROR(FindDataLoss(conn_, plan, &result->data_loss));
  for (const DataLoss& loss : result->data_loss) spdlog::warn("rollback would lose data: {}", loss.Describe());
  if (options.dry_run) {
    for (const Migration* m : plan) result->steps.push_back(StepOf(*m, true));
    if (options.sql_out) PrintPlan(*options.sql_out, plan, true, state);
    return Status::Ok();
  }
  if (!result->data_loss.empty() && !options.backup_verified) {
    std::string what;
    for (const DataLoss& loss : result->data_loss) what += (what.empty() ? "" : "; ") + loss.Describe();
    return Status::Precondition(
        "this rollback drops data (" + what + ") and no verified backup was given; nothing was changed",
        "take one first: bamort-backup --verify --report backup.json, then bamort-rollback ... "
        "--require-backup backup.json");
  }
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.Acquire(conn_, NamedLock::NameFor(conn_->config().name), options.lock_timeout_seconds));
  result->lock_taken = true;
  DbVersionState again;
  BAMORT_RETURN_IF_ERROR(ReadState(&again, &compat));
  if (again.operation) return OperationRefusal(again);
  if (again.migration_number != state.migration_number || again.dirty) {
    return Status::Precondition("the database changed while waiting for the lock (now at migration " +
                                std::to_string(again.migration_number) + "); nothing was rolled back, run again");
  }
  VersionStore store(conn_);
  BAMORT_RETURN_IF_ERROR(EnsureBookkeeping(&store));
  BAMORT_RETURN_IF_ERROR(RunPlan(&store, plan, /*down=*/true, options.applied_by, result));
  return lock.Release();
}

Status Migrator::Repair(int lock_timeout_seconds, std::optional<MigrationRecord>* repaired) {
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.Acquire(conn_, NamedLock::NameFor(conn_->config().name), lock_timeout_seconds));
  DbVersionState state;
  Compatibility compat;
  BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
  *repaired = state.dirty;
  if (!state.dirty) {
    spdlog::info("nothing to repair: no dirty migration record");
    return lock.Release();
  }
  VersionStore store(conn_);
  const MigrationRecord& d = *state.dirty;
  auto starts_with = [&](const char* prefix) { return d.error_message && d.error_message->rfind(prefix, 0) == 0; };
  // After a failed schema check every statement had run and the operator fixed the schema
  // by hand; after an interrupted rollback its (repeatable) down part can run once more.
  // Either way the migration counts as applied again.
  if (starts_with(kSchemaCheckPrefix) || starts_with("rollback")) {
    BAMORT_RETURN_IF_ERROR(store.MarkAppliedAgain(d.number));
    spdlog::warn("marked migration {} ({}) as applied again; {}", d.number, d.description,
                 starts_with("rollback") ? "run bamort-rollback again to finish it"
                                         : "bamort-status checks the schema again");
  } else {
    BAMORT_RETURN_IF_ERROR(store.ForgetRecord(d.number));
    spdlog::warn("removed the dirty record of migration {} ({}); bamort-migrate will run it again from its first "
                 "statement",
                 d.number, d.description);
  }
  return lock.Release();
}

}  // namespace bamort
