#include "app/init_job.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/Path.h>
#include <spdlog/spdlog.h>

#include "app/job_support.h"
#include "auth/password_hash.h"
#include "build_info.h"
#include "common/file_io.h"
#include "common/secrets.h"
#include "db/named_lock.h"
#include "db/operation_mark.h"
#include "masterdata/document.h"
#include "masterdata/importer.h"
#include "migrate/migrator.h"

namespace bamort {

namespace {

struct AdminUser {
  std::string name;
  std::string email;
  std::string role;
  std::string password;
};

Status LoadAdmin(const JobCli& cli, AdminUser* admin) {
  admin->name = cli.GetOr("admin-user", "admin");
  admin->email = cli.GetOr("admin-email", "");
  admin->role = cli.GetOr("admin-role", "admin");
  if (admin->name.empty() || admin->name.size() > 191) return Status::BadInput("--admin-user: 1 to 191 characters");
  if (auto file = cli.Get("admin-password-file")) {
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
  if (admin->password.size() < 8) return Status::BadInput("the admin password must have at least 8 characters");
  RegisterSecret(admin->password);
  return Status::Ok();
}

Status ListTables(Connection* conn, std::vector<std::string>* out) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                                     "AND " + NotOperationMarkCondition() + " ORDER BY TABLE_NAME",
                                     &rs));
  out->clear();
  for (size_t i = 0; i < rs.size(); ++i) out->push_back(rs.GetString(i, 0));
  return Status::Ok();
}

// An init that was killed or failed left its mark (db/operation_mark.h): everything in the
// database is its own work, since it began on an empty database. That database is taken
// as empty and started over; any other mark, or none, needs a really empty database.
Status InitMarkLeft(Connection* conn, bool* left) {
  std::optional<OperationMark> mark;
  BAMORT_RETURN_IF_ERROR(ReadOperationMark(conn, "", &mark));
  *left = mark && (mark->operation == "init" || mark->operation.empty());
  if (*left) spdlog::warn("found the mark of an unfinished init ({}): starting over", mark->Describe());
  return Status::Ok();
}

Status RequireEmpty(Connection* conn) {
  std::vector<std::string> tables;
  BAMORT_RETURN_IF_ERROR(ListTables(conn, &tables));
  if (tables.empty()) return Status::Ok();
  std::string some;
  for (size_t i = 0; i < tables.size() && i < 5; ++i) some += (i ? ", " : "") + tables[i];
  if (tables.size() > 5) some += ", ...";
  return Status::Precondition("database " + conn->config().name + " is not empty (" + std::to_string(tables.size()) +
                                  " tables: " + some + "); bamort-init only initialises an empty database",
                              "to upgrade an existing installation use bamort-migrate; nothing was changed");
}

}  // namespace

MasterDataLocation DefaultMasterDataSource() {
  if (const char* env = std::getenv("BAMORT_MASTERDATA_DIR"); env && *env) return {env, "BAMORT_MASTERDATA_DIR"};
  std::vector<MasterDataLocation> candidates;
  char exe[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    Poco::Path installed(Poco::Path(std::string(exe, n)).parent());
    installed.popDirectory();
    installed.pushDirectory("share");
    installed.pushDirectory("bamort-deploy");
    installed.pushDirectory("masterdata");
    candidates.push_back({installed.toString(), "install path"});
  }
  // A build that runs from its build folder (tests, scripts/demo.sh) finds the source tree's set.
  candidates.push_back({std::string(kSourceDir) + "/masterdata", "source tree"});
  for (const MasterDataLocation& c : candidates)
    if (Poco::File(c.path).exists()) return c;
  std::string searched;
  for (const MasterDataLocation& c : candidates) searched += (searched.empty() ? "" : ", ") + c.path;
  return {"", "not found (searched BAMORT_MASTERDATA_DIR, " + searched + ")"};
}

namespace {

// What bamort-init imports: the sample set by default (said plainly in the log and the
// report), the --masterdata source, or nothing.
struct MasterDataChoice {
  MasterDataLocation location;
  std::string kind = "none";  // "sample" (the source's header says so), "given", "none"
  std::string sample;         // the sample marker text
};

Status ChooseMasterData(const JobCli& cli, MasterDataChoice* out) {
  if (cli.Has("no-masterdata")) return Status::Ok();
  if (auto given = cli.Get("masterdata")) {
    out->location = {*given, "--masterdata"};
  } else {
    out->location = DefaultMasterDataSource();
    if (out->location.path.empty())
      return Status::BadInput("the sample master data shipped with the tool is " + out->location.found_by,
                              "give --masterdata PACKAGE|DIR, or --no-masterdata");
  }
  // Read and parse it now, so a bad source stops the job before the schema exists.
  masterdata::MasterDataDocument doc;
  masterdata::SourceInfo info;
  BAMORT_RETURN_IF_ERROR(masterdata::ReadMasterData(out->location.path, &doc, &info).WithContext("--masterdata"));
  out->kind = doc.sample.empty() ? "given" : "sample";
  out->sample = doc.sample;
  if (out->kind == "sample")
    spdlog::warn("bamort-init installs the SAMPLE master data shipped with bamort-deploy ({}, from {}): invented "
                 "records, not the Midgard rules; give --masterdata PACKAGE for real master data",
                 out->location.path, out->location.found_by);
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

}  // namespace

Status RunInit(const JobCli& cli, JobRun* run) {
  DbConfig config;  // first, so a bad setting is reported as such whatever else is missing
  BAMORT_RETURN_IF_ERROR(run->LoadDb(&config));
  AdminUser admin;
  BAMORT_RETURN_IF_ERROR(LoadAdmin(cli, &admin));
  MasterDataChoice choice;
  BAMORT_RETURN_IF_ERROR(ChooseMasterData(cli, &choice));
  const std::string& masterdata = choice.location.path;
  std::vector<Migration> migrations;
  BAMORT_RETURN_IF_ERROR(LoadMigrations(cli, &migrations));
  int64_t lock_timeout = 0;
  BAMORT_RETURN_IF_ERROR(LockTimeoutSeconds(cli, &lock_timeout));
  auto& report = run->report();
  report.inputs->set("masterdata", masterdata.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(masterdata));
  report.inputs->set("admin_user", admin.name);
  report.details->set("masterdata_source", ChoiceJson(choice));

  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(Connection::Open(config, &conn));
  bool start_over = false;
  BAMORT_RETURN_IF_ERROR(InitMarkLeft(conn.get(), &start_over));
  if (!start_over) BAMORT_RETURN_IF_ERROR(RequireEmpty(conn.get()));

  if (cli.dry_run()) {
    std::cout << "bamort-init dry run on " << conn->config().Describe() << ":\n"
              << (start_over ? "  0. drop what the unfinished init left and start over\n" : "")
              << "  1. apply " << migrations.size() << " migrations up to DB version "
              << migrations.back().version.ToString() << " (every one recorded in migration_history)\n"
              << "  2. " << (masterdata.empty() ? "no master data (--no-masterdata)"
                             : std::string(choice.kind == "sample" ? "import the SAMPLE master data from " :
                                                                     "import master data from ") + masterdata)
              << "\n"
              << "  3. create the user '" << admin.name << "' with role '" << admin.role << "'\n"
              << "Nothing was changed.\n";
    return Status::Ok();
  }

  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.Acquire(conn.get(), NamedLock::NameFor(conn->config().name),
                                      static_cast<int>(lock_timeout)));
  // Nobody filled it (or finished an init) while we waited.
  BAMORT_RETURN_IF_ERROR(InitMarkLeft(conn.get(), &start_over));
  if (!start_over) BAMORT_RETURN_IF_ERROR(RequireEmpty(conn.get()));
  report.details->set("started_over", start_over);
  // Marked before the first change, cleared after the admin user: a killed or failed init
  // is "init_incomplete" to every tool, and the next init starts over.
  OperationMark mark{"init", admin.name, UnixSeconds(std::chrono::system_clock::now()), AppliedBy(*run),
                     run->run_id()};
  BAMORT_RETURN_IF_ERROR(BeginOperationMark(conn.get(), conn->config().name, mark));
  if (start_over) {
    std::vector<std::string> dropped;
    Status emptied = DropAllButOperationMark(conn.get(), conn->config().name, &dropped);
    if (!emptied.ok()) return emptied.WithCode(StatusCode::kDirty).WithHint("fix the cause and run bamort-init again");
    spdlog::info("dropped {} table(s) and view(s) the unfinished init had created", dropped.size());
  }

  const std::string restart_hint = "fix the cause and run bamort-init again: it starts over on what this run left";
  MigrateOptions options;
  options.lock_timeout_seconds = static_cast<int>(lock_timeout);
  options.applied_by = AppliedBy(*run);
  options.part_of_operation = "init";
  MigrateResult migrated;
  Status s = Migrator(conn.get(), migrations).Migrate(options, &migrated);
  report.database.version_before = std::nullopt;
  report.database.migration_number_before = 0;
  report.database.version_after = migrated.version_after;
  report.database.migration_number_after = migrated.number_after;
  report.details->set("migrations_applied", static_cast<uint64_t>(migrated.steps.size()));
  if (!s.ok()) return s.WithCode(StatusCode::kDirty).WithHint(restart_hint);

  std::vector<std::string> tables;
  BAMORT_RETURN_IF_ERROR(ListTables(conn.get(), &tables));
  Poco::JSON::Array::Ptr created = new Poco::JSON::Array();
  for (const auto& t : tables) created->add(t);
  report.details->set("tables_created", created);
  spdlog::info("schema created: {} tables at DB version {}", tables.size(), migrated.version_after.value_or("?"));

  if (!masterdata.empty()) {
    ImportResult imported;
    ImportOptions import_options;
    import_options.source = masterdata;  // the lock is ours already: lock_timeout_seconds stays unset
    s = ImportMasterData(conn.get(), import_options, &imported);
    report.details->set("masterdata", imported.ToJson());
    if (!s.ok()) return s.WithCode(StatusCode::kDirty).WithHint(restart_hint);
    spdlog::info("{} master data imported: {} records from {}", choice.kind == "sample" ? "SAMPLE" : "the",
                 imported.TotalInFile(), masterdata);
  } else {
    report.details->set("masterdata", Poco::Dynamic::Var());
    run->Warn("no master data imported (--no-masterdata); import it with bamort-import-masterdata");
  }

  s = conn->Execute(
      "INSERT INTO users (username, display_name, password_hash, email, role, created_at, updated_at) VALUES (" +
      conn->Quote(admin.name) + ", " + conn->Quote(admin.name) + ", " +
      conn->Quote(BamortPasswordHash(admin.password)) + ", " +
      (admin.email.empty() ? std::string("NULL") : conn->Quote(admin.email)) + ", " + conn->Quote(admin.role) +
      ", NOW(3), NOW(3))");
  if (!s.ok()) return s.WithCode(StatusCode::kDirty).WithHint(restart_hint);
  Poco::JSON::Object::Ptr user = new Poco::JSON::Object(true);
  user->set("username", admin.name);
  user->set("role", admin.role);
  user->set("email", admin.email.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(admin.email));
  user->set("password_storage", "unsalted MD5 hex, as the Bamort backend checks it (docs/SECURITY.md)");
  report.details->set("admin_user", user);
  spdlog::info("admin user '{}' created with role '{}'", admin.name, admin.role);
  s = EndOperationMark(conn.get(), conn->config().name);
  if (!s.ok()) return s.WithCode(StatusCode::kDirty).WithHint(restart_hint);
  return lock.Release();
}

}  // namespace bamort
