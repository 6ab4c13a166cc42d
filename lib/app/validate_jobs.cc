#include "app/validate_jobs.h"

#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "db/named_lock.h"
#include "db/statement_runner.h"
#include "schema/additive_repair.h"
#include "schema/introspect.h"
#include "validate/validator.h"

namespace bamort {

namespace {

Status RepairAdditive(const JobCli& cli, Connection* conn, const ValidationResult& result, JobRun* run) {
  std::vector<std::string> statements = AdditiveRepairStatements(result.expected, result.schema_findings);
  Poco::JSON::Array::Ptr ran = new Poco::JSON::Array();
  for (const auto& s : statements) ran->add(s);
  run->report().details->set(cli.dry_run() ? "repair_planned" : "repair_statements", ran);
  if (statements.empty()) {
    spdlog::info("repair: nothing to add");
    return Status::Ok();
  }
  if (cli.dry_run()) {
    for (const auto& s : statements) std::cout << s << ";\n";
    spdlog::info("repair dry run: {} statement(s) would run, nothing changed", statements.size());
    return Status::Ok();
  }
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(LockTimeoutSeconds(cli, &lock_timeout));
  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.Acquire(conn, NamedLock::NameFor(conn->config().name), static_cast<int>(lock_timeout)));
  // New tables may reference each other in any order.
  BAMORT_RETURN_IF_ERROR(conn->Execute("SET SESSION foreign_key_checks = 0"));
  std::vector<SqlStatement> sql;
  for (const auto& s : statements) sql.push_back({s, 0});
  RunProgress progress;
  Status s = RunStatements(conn, sql, "repair-additive", &progress, [&](size_t i) {
    spdlog::info("repair: {}", SqlForMessage(statements[i]));
    return Status::Ok();
  });
  conn->Execute("SET SESSION foreign_key_checks = 1");
  run->report().details->set("repair_statements_committed", static_cast<uint64_t>(progress.committed));
  if (!s.ok()) return progress.committed > 0 ? s.WithCode(StatusCode::kDirty) : s;
  return lock.Release();
}

}  // namespace

Status RunValidate(const JobCli& cli, JobRun* run) {
  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(cli, &migrations));
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  if (cli.Has("print-schema")) {
    SchemaSpec live;
    BAMORT_RETURN_IF_ERROR(IntrospectSchema(conn.get(), &live));
    std::cout << live.ToJsonText();
    return Status::Ok();
  }
  ValidationResult result;
  BAMORT_RETURN_IF_ERROR(ValidateDatabase(conn.get(), migrations, &result));
  auto& db = run->report().database;
  db.version_before = db.version_after = result.db_version;
  db.migration_number_before = db.migration_number_after = result.migration_number;
  if (cli.Has("repair-additive")) {
    BAMORT_RETURN_IF_ERROR(RepairAdditive(cli, conn.get(), result, run));
    if (!cli.dry_run()) {
      run->report().details->set("before_repair", result.ToJson());
      ValidationResult after;
      BAMORT_RETURN_IF_ERROR(ValidateDatabase(conn.get(), migrations, &after));
      result = std::move(after);
    }
  }
  Poco::JSON::Object::Ptr json = result.ToJson();
  for (const auto& [k, v] : *json) run->report().details->set(k, v);
  for (const CheckResult& c : result.checks) {
    if (c.status == "warn") run->report().warnings.push_back(c.name + ": " + c.detail);
  }
  if (cli.Has("json")) {
    Poco::JSON::Stringifier::stringify(json, std::cout, 2);
    std::cout << "\n";
  } else {
    std::cout << result.Summary();
  }
  int failed = result.Count("fail");
  if (failed > 0) {
    std::string names;
    bool schema_failed = false;
    for (const CheckResult& c : result.checks) {
      if (c.status != "fail") continue;
      names += (names.empty() ? "" : ", ") + c.name;
      schema_failed |= c.name.rfind("schema.", 0) == 0;
    }
    std::string hint = "each failed check lists its findings above and in the report (details.checks)";
    if (schema_failed) hint += "; bamort-validate --repair-additive adds missing tables, columns and indexes";
    return Status::Failed(std::to_string(failed) + " check(s) failed: " + names, hint);
  }
  return Status::Ok();
}

}  // namespace bamort
