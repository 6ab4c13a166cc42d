#include "migrate/migrator.h"

#include <spdlog/spdlog.h>

#include "migrate/layout_preflight.h"
#include "migrate/mariadb_driver.h"

namespace bamort {

namespace {

// Gives the connection's session settings back however Migrate or Rollback ends.
class EndMigrationsScope {
 public:
  explicit EndMigrationsScope(MigrationDriver* driver) : driver_(driver) {}
  ~EndMigrationsScope() { driver_->EndMigrations(); }
  EndMigrationsScope(const EndMigrationsScope&) = delete;
  EndMigrationsScope& operator=(const EndMigrationsScope&) = delete;

 private:
  MigrationDriver* driver_;
};

}  // namespace

Migrator::Migrator(Connection* conn, const std::vector<Migration>& migrations)
    : owned_driver_(std::make_unique<MariaDbDriver>(conn)), driver_(owned_driver_.get()), migrations_(migrations) {}

Migrator::~Migrator() = default;

Status Migrator::ReadState(DbVersionState* state, Compatibility* compat) {
  BAMORT_RETURN_IF_ERROR(driver_->ReadState(state).WithContext("reading the version tables"));
  *compat = AssessCompatibility(*state, migrations_);
  return Status::Ok();
}

const Migration* Migrator::Previous(const Migration& m) const {
  return m.number > 1 ? &migrations_[static_cast<size_t>(m.number - 2)] : nullptr;
}

// A lookup that fails counts as nobody: the plan then refuses the dirty record.
std::optional<LockHolder> Migrator::RunningMigrationHolder(const DbVersionState& state) {
  std::optional<LockHolder> holder;
  if (!state.dirty || !driver_->FindOtherLockHolder(&holder).ok()) return std::nullopt;
  return holder;
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

// Upstream's setupcheck appends its marker row when a database lacks one; on a database
// migrated by an older build of this tool it then became the latest row, and upstream's
// systeminfo reports 0.1.37. With nothing pending, migrate records the version again.
Status Migrator::RecordVersionAfterUpstreamMarker(const DbVersionState& state, const MigrateOptions& options,
                                                  MigrateResult* result) {
  if (!state.has_tracking || state.applied.empty() || state.migration_number < 1 ||
      state.migration_number > migrations_.back().number) {
    return Status::Ok();
  }
  bool marker_latest = false;
  BAMORT_RETURN_IF_ERROR(driver_->MarkerIsLatest(&marker_latest));
  if (!marker_latest) return Status::Ok();
  BAMORT_RETURN_IF_ERROR(driver_->Lock(options.lock_timeout_seconds));
  result->lock_taken = true;
  const Migration& current = migrations_[static_cast<size_t>(state.migration_number - 1)];
  Status recorded = driver_->RecordCurrentVersionAgain(current);
  if (!recorded.ok()) {
    driver_->Unlock();
    return recorded;
  }
  result->version_recorded_again = true;
  spdlog::info("the latest schema_version row was upstream's setupcheck marker ({}); recorded version {} again",
               kUpstreamMarkerVersion, current.version.ToString());
  return driver_->Unlock();
}

// A layout the chain cannot bring to the expected schema is refused before anything
// changes, naming each difference (layout_preflight.h).
Status Migrator::Preflight(const DbVersionState& state, MigrateResult* result) {
  result->preflight_problems.clear();
  Status preflight = driver_->CheckLayout(state, &result->preflight_problems);
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
  BAMORT_RETURN_IF_ERROR(driver_->CheckPrivileges(kNeeded, &check).WithContext("reading the user's privileges"));
  if (!check.known) {
    spdlog::warn("could not tell whether the user may run the migrations ({}); going on", check.why_unknown);
    return Status::Ok();
  }
  if (check.missing.empty()) return Status::Ok();
  std::string missing;
  for (const std::string& p : check.missing) missing += (missing.empty() ? "" : ", ") + p;
  return Status::Precondition(
      "the database user lacks " + missing + " on `" + driver_->DatabaseName() +
          "`, which the migrations need; nothing was changed",
      "grant them (the official MariaDB image gives its user ALL PRIVILEGES on the database, which is enough: "
      "docs/CONFIGURATION.md, 'Privileges each job uses')");
}

Status Migrator::PlanBeforeLock(const MigrateOptions& options, const UpPlanRequest& request,
                                const DbVersionState& state, bool* in_progress,
                                std::vector<const Migration*>* plan) {
  // A started record while another process holds the lock is a migration in progress,
  // not a dirty database: wait for the lock and look again. The plan leaves it empty
  // (after refusing another operation's mark).
  UpPlanRequest before_lock = request;
  before_lock.running = RunningMigrationHolder(state);
  *in_progress = before_lock.running.has_value();
  if (*in_progress) {
    spdlog::info("migration {} is being applied by {}; waiting for it", state.dirty->number,
                 before_lock.running->Describe());
  }
  BAMORT_RETURN_IF_ERROR(PlanMigrate(state, migrations_, before_lock, plan));
  if (*in_progress) {
    if (options.dry_run) {
      return Status::Precondition("a migration is running right now; run the dry run again when it has finished");
    }
    return Status::Ok();
  }
  if (plan->empty()) return Status::Ok();
  if (options.before_changes && !options.dry_run) BAMORT_RETURN_IF_ERROR(options.before_changes());
  return CheckMigratePrivileges();
}

Status Migrator::DryRunMigrate(const MigrateOptions& options, const DbVersionState& state,
                               const std::vector<const Migration*>& plan, MigrateResult* result) {
  BAMORT_RETURN_IF_ERROR(Preflight(state, result));
  for (const Migration* m : plan) result->steps.push_back(StepOf(*m, false));
  if (options.sql_out) PrintPlan(*options.sql_out, plan, false, state);
  spdlog::info("dry run: {} migration(s) would run, nothing changed", plan.size());
  return Status::Ok();
}

Status Migrator::Migrate(const MigrateOptions& options, MigrateResult* result) {
  lock_wait_ = options.lock_wait;
  EndMigrationsScope end_scope(driver_);
  UpPlanRequest request{0, options.to_version, options.part_of_operation, std::nullopt};
  BAMORT_RETURN_IF_ERROR(ResolveTargetNumber(migrations_, options.to_version, &request.target));
  DbVersionState state;
  Compatibility compat;
  BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
  result->number_before = result->number_after = state.migration_number;
  result->version_before = result->version_after = compat.actual_version;
  result->layout_before = state.layout;
  result->checksum_drift = compat.checksum_drift;

  std::vector<const Migration*> plan;
  bool in_progress = false;
  BAMORT_RETURN_IF_ERROR(PlanBeforeLock(options, request, state, &in_progress, &plan));
  if (!in_progress && plan.empty()) {
    spdlog::info("nothing pending: database at migration {} (version {})", state.migration_number,
                 compat.actual_version.value_or("none"));
    return options.dry_run ? Status::Ok() : RecordVersionAfterUpstreamMarker(state, options, result);
  }
  // The dry run checks the layout on this read; the real run under the lock, on the state
  // it then reads (another process may be migrating this very moment).
  if (options.dry_run) return DryRunMigrate(options, state, plan, result);

  spdlog::info("{} migration(s) pending; taking the deployment lock of {} (timeout {} s)", plan.size(),
               driver_->DatabaseName(), options.lock_timeout_seconds);
  BAMORT_RETURN_IF_ERROR(driver_->Lock(options.lock_timeout_seconds));
  result->lock_taken = true;
  Status s = [&]() -> Status {
    // Another process may have migrated while we waited.
    BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
    result->number_before = result->number_after = state.migration_number;
    result->version_before = result->version_after = compat.actual_version;
    BAMORT_RETURN_IF_ERROR(PlanMigrate(state, migrations_, request, &plan));
    if (plan.empty()) {
      spdlog::info("nothing pending any more: another process brought the database to migration {}",
                   state.migration_number);
      return Status::Ok();
    }
    BAMORT_RETURN_IF_ERROR(Preflight(state, result));
    BAMORT_RETURN_IF_ERROR(EnsureBookkeeping());
    return RunPlan(plan, /*down=*/false, options.applied_by, result);
  }();
  Status unlocked = driver_->Unlock();
  return s.ok() ? unlocked : s;
}

Status Migrator::Rollback(const RollbackOptions& options, MigrateResult* result) {
  lock_wait_ = options.lock_wait;
  EndMigrationsScope end_scope(driver_);
  DbVersionState state;
  Compatibility compat;
  BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
  result->number_before = result->number_after = state.migration_number;
  result->version_before = result->version_after = compat.actual_version;
  result->layout_before = state.layout;
  std::vector<const Migration*> plan;
  BAMORT_RETURN_IF_ERROR(PlanRollback(
      state, migrations_, {options.steps, options.to_version, RunningMigrationHolder(state)}, &plan));
  if (plan.empty()) {
    spdlog::info("nothing to roll back: database at migration {}", state.migration_number);
    return Status::Ok();
  }
  BAMORT_RETURN_IF_ERROR(driver_->FindDataLoss(plan, &result->data_loss));
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
  BAMORT_RETURN_IF_ERROR(driver_->Lock(options.lock_timeout_seconds));
  result->lock_taken = true;
  Status s = [&]() -> Status {
    DbVersionState again;
    BAMORT_RETURN_IF_ERROR(ReadState(&again, &compat));
    if (again.operation) return OperationRefusal(again);
    if (again.migration_number != state.migration_number || again.dirty) {
      return Status::Precondition("the database changed while waiting for the lock (now at migration " +
                                  std::to_string(again.migration_number) + "); nothing was rolled back, run again");
    }
    BAMORT_RETURN_IF_ERROR(EnsureBookkeeping());
    return RunPlan(plan, /*down=*/true, options.applied_by, result);
  }();
  Status unlocked = driver_->Unlock();
  return s.ok() ? unlocked : s;
}

Status Migrator::Repair(int lock_timeout_seconds, std::optional<MigrationRecord>* repaired) {
  BAMORT_RETURN_IF_ERROR(driver_->Lock(lock_timeout_seconds));
  Status s = [&]() -> Status {
    DbVersionState state;
    Compatibility compat;
    BAMORT_RETURN_IF_ERROR(ReadState(&state, &compat));
    *repaired = state.dirty;
    if (!state.dirty) {
      spdlog::info("nothing to repair: no dirty migration record");
      return Status::Ok();
    }
    const MigrationRecord& d = *state.dirty;
    auto starts_with = [&](const char* prefix) { return d.error_message && d.error_message->rfind(prefix, 0) == 0; };
    // After a failed schema check every statement had run and the operator fixed the schema
    // by hand; after an interrupted rollback its (repeatable) down part can run once more.
    // Either way the migration counts as applied again.
    if (starts_with(kSchemaCheckPrefix) || starts_with("rollback")) {
      BAMORT_RETURN_IF_ERROR(driver_->MarkAppliedAgain(d.number));
      spdlog::warn("marked migration {} ({}) as applied again; {}", d.number, d.description,
                   starts_with("rollback") ? "run bamort-rollback again to finish it"
                                           : "bamort-status checks the schema again");
      return Status::Ok();
    }
    BAMORT_RETURN_IF_ERROR(driver_->ForgetRecord(d.number));
    spdlog::warn("removed the dirty record of migration {} ({}); bamort-migrate will run it again from its first "
                 "statement",
                 d.number, d.description);
    return Status::Ok();
  }();
  Status unlocked = driver_->Unlock();
  return s.ok() ? unlocked : s;
}

}  // namespace bamort
