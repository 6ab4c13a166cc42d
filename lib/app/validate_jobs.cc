#include "app/validate_jobs.h"

#include <iostream>

#include <Poco/JSON/Stringifier.h>

#include "app/job_support.h"
#include "schema/introspect.h"
#include "validate/validation.h"

namespace bamort {

namespace {

void FillReport(const ValidationOptions& options, const ValidationRun& v, StepReport* report) {
  if (!v.validated) return;
  auto& db = report->database;
  const ValidationResult& first = v.revalidated ? v.before_repair : v.result;
  db.version_before = db.version_after = first.db_version;
  db.migration_number_before = db.migration_number_after = first.migration_number;
  if (v.repair_planned)
    report->details->set(options.dry_run ? "repair_planned" : "repair_statements", StringsJson(v.repair_statements));
  if (v.repair_ran) report->details->set("repair_statements_committed", static_cast<uint64_t>(v.repair_committed));
  if (v.revalidated) report->details->set("before_repair", v.before_repair.ToJson());
}

Status Outcome(const ValidationResult& result) {
  int failed = result.Count("fail");
  if (failed == 0) return Status::Ok();
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

}  // namespace

Status RunValidate(const JobCli& cli, const ValidateFlags& flags, JobRun* run) {
  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(flags.migrations_dir, &migrations));
  ValidationOptions options;
  options.repair_additive = flags.repair_additive.on();
  options.dry_run = cli.dry_run();
  if (options.repair_additive && !options.dry_run)
    BAMORT_RETURN_IF_ERROR(flags.lock_timeout.Read(&options.lock_timeout_seconds));
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(OpenDatabase(run, &conn));
  if (flags.print_schema.on()) {
    SchemaSpec live;
    BAMORT_RETURN_IF_ERROR(IntrospectSchema(conn.get(), &live));
    std::cout << live.ToJsonText();
    return Status::Ok();
  }
  ValidationRun v;
  Status s = RunValidation(conn.get(), migrations, options, &v);
  FillReport(options, v, &run->report());
  if (!s.ok()) return s;
  if (v.repair_planned && options.dry_run)
    for (const auto& statement : v.repair_statements) std::cout << statement << ";\n";

  const ValidationResult& result = v.result;
  Poco::JSON::Object::Ptr json = result.ToJson();
  for (const auto& [k, value] : *json) run->report().details->set(k, value);
  for (const CheckResult& c : result.checks) {
    if (c.status == "warn") run->report().warnings.push_back(c.name + ": " + c.detail);
  }
  if (flags.json.on()) {
    Poco::JSON::Stringifier::stringify(json, std::cout, 2);
    std::cout << "\n";
  } else {
    std::cout << result.Summary();
  }
  return Outcome(result);
}

}  // namespace bamort
