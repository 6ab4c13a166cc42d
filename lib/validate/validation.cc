#include "validate/validation.h"

#include <spdlog/spdlog.h>

#include "db/named_lock.h"
#include "db/statement_runner.h"
#include "schema/additive_repair.h"

namespace bamort {

namespace {

// Runs the planned statements under the deployment lock, foreign key checks off (new
// tables may reference each other in any order).
Status RepairAdditive(Connection* conn, const ValidationOptions& options, ValidationRun* run) {
  const std::vector<std::string>& statements = run->repair_statements;
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.AcquireDeployment(conn, options.lock_timeout_seconds));
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET SESSION foreign_key_checks = 0"));
  std::vector<SqlStatement> sql;
  for (const auto& s : statements) sql.push_back({s, 0});
  RunProgress progress;
  run->repair_ran = true;
  Status s = RunStatements(conn, sql, "repair-additive", &progress, [&](size_t i) {
    spdlog::info("repair: {}", SqlForMessage(statements[i]));
    return Status::Ok();
  });
  // The validation after the repair runs on this session: it must check foreign keys again.
  Status restored = conn->Execute("SET SESSION foreign_key_checks = 1");
  if (s.ok()) s = restored;
  run->repair_committed = progress.committed;
  if (!s.ok()) return progress.committed > 0 ? s.WithCode(StatusCode::kDirty) : s;
  return lock.Release();
}

}  // namespace

Status RunValidation(Connection* conn, const std::vector<Migration>& migrations, const ValidationOptions& options,
                     ValidationRun* run) {
  BAMORT_RETURN_IF_ERROR(ValidateDatabase(conn, migrations, &run->result));
  run->validated = true;
  if (!options.repair_additive) return Status::Ok();
  run->repair_planned = true;
  run->repair_statements = AdditiveRepairStatements(run->result.expected, run->result.schema_findings);
  if (run->repair_statements.empty()) {
    spdlog::info("repair: nothing to add");
  } else if (options.dry_run) {
    spdlog::info("repair dry run: {} statement(s) would run, nothing changed", run->repair_statements.size());
  } else {
    BAMORT_RETURN_IF_ERROR(RepairAdditive(conn, options, run));
  }
  if (options.dry_run) return Status::Ok();
  run->before_repair = std::move(run->result);
  run->revalidated = true;
  run->result = ValidationResult();
  return ValidateDatabase(conn, migrations, &run->result);
}

}  // namespace bamort
