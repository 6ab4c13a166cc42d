#include "app/init_job.h"

#include <cstdlib>
#include <iostream>

#include <Poco/JSON/Array.h>

#include "app/job_support.h"
#include "common/file_io.h"
#include "common/secrets.h"
#include "init/init.h"

namespace bamort {

namespace {

// The admin user from the flags; the password from --admin-password-file or
// BAMORT_ADMIN_PASSWORD, never the command line.
Status LoadAdmin(const InitFlags& flags, InitAdmin* admin) {
  admin->name = flags.admin_user.value_or("admin");
  admin->email = flags.admin_email.value_or("");
  admin->role = flags.admin_role.value_or("admin");
  if (auto file = flags.admin_password_file.value()) {
    BAMORT_RETURN_IF_ERROR(ReadFileToString(*file, &admin->password, kMaxSmallFileBytes).WithContext("--admin-password-file"));
    while (!admin->password.empty() && (admin->password.back() == '\n' || admin->password.back() == '\r')) {
      admin->password.pop_back();
    }
  } else if (const char* env = std::getenv("BAMORT_ADMIN_PASSWORD")) {
    admin->password = env;
  }
  if (admin->password.empty()) {
    return Status::BadInput("no admin password: give --admin-password-file FILE or set BAMORT_ADMIN_PASSWORD "
                            "(never on the command line)");
  }
  RegisterSecret(admin->password);
  return Status::Ok();
}

Status OptionsFromFlags(const JobCli& cli, const InitFlags& flags, const JobRun& run, InitOptions* options) {
  BAMORT_RETURN_IF_ERROR(LoadAdmin(flags, &options->admin));
  options->no_masterdata = flags.no_masterdata.on();
  options->masterdata = flags.masterdata.value();
  BAMORT_RETURN_IF_ERROR(LoadMigrations(flags.migrations_dir, &options->migrations));
  BAMORT_RETURN_IF_ERROR(flags.lock_timeout.Read(&options->lock_timeout_seconds));
  options->dry_run = cli.dry_run();
  options->applied_by = AppliedBy(run);
  options->run_id = run.run_id();
  return Status::Ok();
}

Poco::JSON::Object::Ptr ChoiceJson(const MasterDataChoice& c) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("kind", c.kind);
  o->set("path", c.location.path);
  o->set("found_by", c.location.found_by);
  o->set("sample", c.sample);
  return o;
}

void PrintPlan(const InitOptions& options, const InitResult& r) {
  const MasterDataChoice& choice = r.masterdata_source;
  const std::string& masterdata = choice.location.path;
  std::cout << "bamort-init dry run on " << r.target << ":\n"
            << (r.started_over ? "  0. drop what the unfinished init left and start over\n" : "")
            << "  1. apply " << options.migrations.size() << " migrations up to DB version "
            << options.migrations.back().version.ToString() << " (every one recorded in migration_history)\n"
            << "  2. " << (masterdata.empty() ? "no master data (--no-masterdata)"
                           : std::string(choice.kind == "sample" ? "import the SAMPLE master data from " :
                                                                   "import master data from ") + masterdata)
            << "\n"
            << "  3. create the user '" << options.admin.name << "' with role '" << options.admin.role << "'\n"
            << "Nothing was changed.\n";
}

// As far as the init got: the report says what exists.
void FillReport(const InitOptions& options, const InitResult& r, StepReport* report) {
  if (!r.masterdata_chosen) return;
  const std::string& masterdata = r.masterdata_source.location.path;
  report->inputs->set("masterdata", masterdata.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(masterdata));
  report->inputs->set("admin_user", options.admin.name);
  report->details->set("masterdata_source", ChoiceJson(r.masterdata_source));
  if (!r.lock_taken) return;
  report->details->set("started_over", r.started_over);
  if (!r.migrations_attempted) return;
  report->database.version_before = std::nullopt;
  report->database.migration_number_before = 0;
  report->database.version_after = r.version_after;
  report->database.migration_number_after = r.migration_number_after;
  report->details->set("migrations_applied", r.migrations_applied);
  if (!r.schema_listed) return;
  report->details->set("tables_created", StringsJson(r.tables_created));
  if (r.import_attempted) {
    report->details->set("masterdata", r.imported.ToJson());
  } else if (masterdata.empty()) {
    report->details->set("masterdata", Poco::Dynamic::Var());
  }
  if (!r.admin_created) return;
  Poco::JSON::Object::Ptr user = new Poco::JSON::Object(true);
  user->set("username", options.admin.name);
  user->set("role", options.admin.role);
  user->set("email", options.admin.email.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(options.admin.email));
  user->set("password_storage", "unsalted MD5 hex, as the Bamort backend checks it (docs/SECURITY.md)");
  report->details->set("admin_user", user);
}

}  // namespace

Status RunInit(const JobCli& cli, const InitFlags& flags, JobRun* run) {
  InitDeps deps;  // the config first, so a bad setting is reported as such whatever else is missing
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&deps.config));
  deps.warn = [run](const std::string& w) { run->Warn(w); };
  InitOptions options;
  BAMORT_RETURN_IF_ERROR(OptionsFromFlags(cli, flags, *run, &options));
  InitResult result;
  Status s = RunInitialisation(options, deps, &result);
  FillReport(options, result, &run->report());
  if (s.ok() && options.dry_run) PrintPlan(options, result);
  return s;
}

}  // namespace bamort
