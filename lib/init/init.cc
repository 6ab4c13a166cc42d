#include "init/init.h"

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "auth/password_hash.h"
#include "common/clock.h"
#include "db/connection.h"
#include "db/named_lock.h"
#include "db/operation_mark.h"
#include "masterdata/importer.h"
#include "migrate/mariadb_driver.h"
#include "migrate/migrator.h"

namespace bamort {

namespace {

const char* const kRestartHint = "fix the cause and run bamort-init again: it starts over on what this run left";

Status CheckAdmin(const InitAdmin& admin) {
  if (admin.name.empty() || admin.name.size() > 191) return Status::BadInput("--admin-user: 1 to 191 characters");
  if (admin.password.size() < 8) return Status::BadInput("the admin password must have at least 8 characters");
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

// Empty, or holding only what an unfinished init left (*start_over).
Status CheckTarget(Connection* conn, bool* start_over) {
  BAMORT_RETURN_IF_ERROR(InitMarkLeft(conn, start_over));
  if (!*start_over) BAMORT_RETURN_IF_ERROR(RequireEmpty(conn));
  return Status::Ok();
}

// Every migration, on the connection that holds the deployment lock: the Migrator's driver
// is built on that lock, so it checks it is still held and never takes it again.
Status CreateSchema(Connection* conn, const NamedLock& lock, const InitOptions& options, InitResult* result) {
  MigrateOptions migrate;
  migrate.lock_timeout_seconds = options.lock_timeout_seconds;
  migrate.applied_by = options.applied_by;
  migrate.part_of_operation = "init";
  MigrateResult migrated;
  result->migrations_attempted = true;
  MariaDbDriver driver(conn, &lock);
  Status s = Migrator(&driver, options.migrations).Migrate(migrate, &migrated);
  result->version_after = migrated.version_after;
  result->migration_number_after = migrated.number_after;
  result->migrations_applied = migrated.steps.size();
  if (!s.ok()) return s;
  BAMORT_RETURN_IF_ERROR(ListTables(conn, &result->tables_created));
  result->schema_listed = true;
  spdlog::info("schema created: {} tables at DB version {}", result->tables_created.size(),
               migrated.version_after.value_or("?"));
  return Status::Ok();
}

Status ImportChosenMasterData(Connection* conn, const InitDeps& deps, InitResult* result) {
  const MasterDataChoice& choice = result->masterdata_source;
  if (choice.location.path.empty()) {
    if (deps.warn) deps.warn("no master data imported (--no-masterdata); import it with bamort-import-masterdata");
    return Status::Ok();
  }
  ImportOptions import;
  import.source = choice.location.path;  // the lock is ours already: lock_timeout_seconds stays unset
  result->import_attempted = true;
  BAMORT_RETURN_IF_ERROR(ImportMasterData(conn, import, &result->imported));
  spdlog::info("{} master data imported: {} records from {}", choice.kind == "sample" ? "SAMPLE" : "the",
               result->imported.TotalInFile(), choice.location.path);
  return Status::Ok();
}

Status CreateAdmin(Connection* conn, const InitAdmin& admin) {
  BAMORT_RETURN_IF_ERROR(conn->Execute(
      "INSERT INTO users (username, display_name, password_hash, email, role, created_at, updated_at) VALUES (" +
      conn->Quote(admin.name) + ", " + conn->Quote(admin.name) + ", " +
      conn->Quote(BamortPasswordHash(admin.password)) + ", " +
      (admin.email.empty() ? std::string("NULL") : conn->Quote(admin.email)) + ", " + conn->Quote(admin.role) +
      ", NOW(3), NOW(3))"));
  spdlog::info("admin user '{}' created with role '{}'", admin.name, admin.role);
  return Status::Ok();
}

// Everything after the mark: a failure here leaves it (kDirty).
Status InstallMarked(Connection* conn, const NamedLock& lock, const InitOptions& options, const InitDeps& deps,
                     InitResult* result) {
  BAMORT_RETURN_IF_ERROR(CreateSchema(conn, lock, options, result));
  BAMORT_RETURN_IF_ERROR(ImportChosenMasterData(conn, deps, result));
  BAMORT_RETURN_IF_ERROR(CreateAdmin(conn, options.admin));
  result->admin_created = true;
  return EndOperationMark(conn, conn->config().name);
}

}  // namespace

Status RunInitialisation(const InitOptions& options, const InitDeps& deps, InitResult* result) {
  *result = InitResult();
  BAMORT_RETURN_IF_ERROR(CheckAdmin(options.admin));
  BAMORT_RETURN_IF_ERROR(ChooseMasterData(options.no_masterdata, options.masterdata, &result->masterdata_source));
  result->masterdata_chosen = true;
  if (options.migrations.empty()) return Status::BadInput("no migrations found");

  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(Connection::Open(deps.config, &conn));
  result->target = conn->config().Describe();
  BAMORT_RETURN_IF_ERROR(CheckTarget(conn.get(), &result->started_over));
  if (options.dry_run) return Status::Ok();

  NamedLock lock;
  BAMORT_RETURN_IF_ERROR(lock.AcquireDeployment(conn.get(), options.lock_timeout_seconds));
  result->lock_taken = true;
  // Nobody filled it (or finished an init) while we waited.
  BAMORT_RETURN_IF_ERROR(CheckTarget(conn.get(), &result->started_over));
  // Marked before the first change, cleared after the admin user: a killed or failed init
  // is "init_incomplete" to every tool, and the next init starts over.
  OperationMark mark{"init", options.admin.name, UnixSeconds(std::chrono::system_clock::now()), options.applied_by,
                     options.run_id};
  BAMORT_RETURN_IF_ERROR(BeginOperationMark(conn.get(), conn->config().name, mark));
  if (result->started_over) {
    Status emptied = DropAllButOperationMark(conn.get(), conn->config().name, &result->dropped);
    if (!emptied.ok()) return emptied.WithCode(StatusCode::kDirty).WithHint("fix the cause and run bamort-init again");
    spdlog::info("dropped {} table(s) and view(s) the unfinished init had created", result->dropped.size());
  }
  Status s = InstallMarked(conn.get(), lock, options, deps, result);
  if (!s.ok()) return s.WithCode(StatusCode::kDirty).WithHint(kRestartHint);
  result->finished = true;
  return lock.Release();
}

}  // namespace bamort
