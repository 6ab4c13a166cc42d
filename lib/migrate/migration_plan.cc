#include "migrate/migration_plan.h"

#include "migrate/compatibility.h"

namespace bamort {

Status ResolveTargetNumber(const std::vector<Migration>& migrations, const std::optional<SemVer>& to_version,
                           int64_t* number) {
  if (!to_version) {
    *number = migrations.back().number;
    return Status::Ok();
  }
  int64_t target = -1;
  std::string known;
  for (const Migration& m : migrations) {
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

Status DirtyRefusal(const MigrationRecord& d) {
  std::string what = "migration " + std::to_string(d.number) + " (" + d.description + ") is dirty";
  if (d.failed_statement) what += "; failed statement: " + SqlForMessage(*d.failed_statement);
  if (d.error_message) what += "; error: " + *d.error_message;
  return Status::Precondition(
      "the database is dirty: " + what,
      "two ways out: restore the pre-deploy backup (bamort-restore --backup <set>), or fix the database by hand "
      "and run bamort-migrate --repair, then bamort-migrate again (the migration re-runs from its first "
      "statement; its statements are written to be safe to repeat)");
}

Status OperationRefusal(const DbVersionState& state) {
  return Status::Precondition("the database is incomplete: the " + state.operation->Describe() +
                                  ", has not finished (killed, failed or still running); nothing was changed",
                              state.operation->WayOut());
}

Status RunningMigrationRefusal(const MigrationRecord& dirty, const LockHolder& holder) {
  return Status::Precondition("a migration is running: migration " + std::to_string(dirty.number) + " (" +
                                  dirty.description + ") is being applied and the deployment lock is held by " +
                                  holder.Describe() + "; nothing was changed",
                              "wait for it to finish (bamort-status shows the outcome), then run this again");
}

Status PlanMigrate(const DbVersionState& state, const std::vector<Migration>& migrations,
                   const UpPlanRequest& request, std::vector<const Migration*>* plan) {
  plan->clear();
  // A mark without its row (a Begin killed between its two statements) names no operation:
  // it is nobody's own mark, so it stops every migrate, the one of an init too.
  if (state.operation && (state.operation->operation.empty() || state.operation->operation != request.part_of_operation)) {
    return OperationRefusal(state);
  }
  if (state.dirty) return request.running ? Status::Ok() : DirtyRefusal(*state.dirty);
  if (state.migration_number > migrations.back().number) {
    return Status::Precondition(AssessCompatibility(state, migrations).reason,
                                "deploy a newer bamort-deploy image that matches the database");
  }
  if (request.target < state.migration_number) {
    return Status::BadInput("--to-version " + (request.to_version ? request.to_version->ToString() : std::string("?")) +
                            " is below the database's version; use bamort-rollback to go down");
  }
  for (const Migration& m : migrations) {
    if (m.number > state.migration_number && m.number <= request.target) plan->push_back(&m);
  }
  return Status::Ok();
}

namespace {

Status RollbackTarget(const DbVersionState& state, const std::vector<Migration>& migrations,
                      const DownPlanRequest& request, int64_t* target) {
  if (request.steps) {
    if (*request.steps < 1) return Status::BadInput("--steps must be at least 1");
    *target = state.migration_number - *request.steps;
    if (*target < 0) {
      return Status::BadInput("--steps " + std::to_string(*request.steps) + " goes below the first migration (" +
                              std::to_string(state.migration_number) + " applied)");
    }
    return Status::Ok();
  }
  BAMORT_RETURN_IF_ERROR(ResolveTargetNumber(migrations, request.to_version, target));
  if (*target > state.migration_number) {
    return Status::BadInput("--to-version " + request.to_version->ToString() +
                            " is above the database's version; use bamort-migrate to go up");
  }
  return Status::Ok();
}

}  // namespace

Status PlanRollback(const DbVersionState& state, const std::vector<Migration>& migrations,
                    const DownPlanRequest& request, std::vector<const Migration*>* plan) {
  plan->clear();
  if (state.operation) return OperationRefusal(state);
  if (state.dirty && request.running) return RunningMigrationRefusal(*state.dirty, *request.running);
  if (request.steps.has_value() == request.to_version.has_value()) {
    return Status::BadInput("give exactly one of --steps N or --to-version V");
  }
  if (state.dirty) return DirtyRefusal(*state.dirty);
  if (state.migration_number > migrations.back().number) {
    return Status::Precondition(AssessCompatibility(state, migrations).reason,
                                "roll back with the build that applied those migrations");
  }
  int64_t target = 0;
  BAMORT_RETURN_IF_ERROR(RollbackTarget(state, migrations, request, &target));
  for (int64_t n = state.migration_number; n > target; --n) plan->push_back(&migrations[static_cast<size_t>(n - 1)]);
  for (const Migration* m : *plan) {
    if (!m->has_down) {
      std::string name = m->name;
      plan->clear();
      return Status::Precondition("migration " + std::to_string(m->number) + " (" + name +
                                      ") has no down part: " + m->irreversible_reason,
                                  "nothing was changed; restore a backup taken before that migration instead");
    }
  }
  return Status::Ok();
}

}  // namespace bamort
