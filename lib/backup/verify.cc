#include "backup/verify.h"

#include <chrono>

#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include "common/measure.h"
#include "backup/sql_dump.h"

namespace bamort {

namespace {

constexpr const char* kPrivateDatabase = "bamort_verify";

std::string CreateDatabaseSql(const std::string& name) {
  return "CREATE DATABASE " + Connection::QuoteIdentifier(name) + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
}

std::string WaysOut(const DbConfig& source) {
  return "either run the backup where mariadbd and mariadb-install-db are installed (the bamort-deploy image has "
         "them; Debian: apt-get install mariadb-server-core), or let the user create the scratch database: "
         "GRANT ALL PRIVILEGES ON `bamort\\_verify\\_%`.* TO '" + source.user +
         "'@'%' (as the server's root). Without --verify the backup needs neither";
}

}  // namespace

Status ParseVerifyWhere(const std::string& text, VerifyWhere* out) {
  if (text == "auto") *out = VerifyWhere::kAuto;
  else if (text == "private") *out = VerifyWhere::kPrivateServer;
  else if (text == "scratch") *out = VerifyWhere::kScratchSchema;
  else return Status::BadInput("--verify-in must be auto, private or scratch, not '" + text + "'");
  return Status::Ok();
}

Poco::JSON::Object::Ptr VerifyResult::ToJson() const {
  Poco::JSON::Object::Ptr v = new Poco::JSON::Object(true);
  v->set("method", method);
  v->set("compared", "row count and content hash (MD5 of every stored column value, summed over the rows) per table");
  v->set("server_version", server_version);
  if (!scratch_database.empty()) v->set("scratch_database", scratch_database);
  v->set("tables_compared", tables_compared);
  Poco::JSON::Array::Ptr d = new Poco::JSON::Array();
  for (const std::string& s : differences) d->add(s);
  v->set("differences", d);
  v->set("start_ms", start_ms);
  v->set("load_ms", load_ms);
  v->set("compare_ms", compare_ms);
  v->set("duration_ms", duration_ms);
  return v;
}

Status DumpVerifier::Prepare(Connection* source) {
  std::string why_not_private;
  const bool want_private = options_.where != VerifyWhere::kScratchSchema;
  if (want_private && PrivateServer::Available(options_.server, &why_not_private)) {
    method_ = "private-server";
    // Installs while the caller dumps; Verify() waits for it.
    return server_.BeginInstall(options_.server);
  }
  if (options_.where == VerifyWhere::kPrivateServer) {
    return Status::Precondition("--verify-in private: cannot start a private verify server: " + why_not_private,
                                "install mariadb-server-core (mariadbd, mariadb-install-db), or use --verify-in auto");
  }
  // The scratch schema, created now: the probe is the real thing, and a user who may
  // not create it learns so before the dump.
  Status created = source->Execute(CreateDatabaseSql(options_.scratch_name));
  if (!created.ok()) {
    std::string reason = options_.where == VerifyWhere::kAuto ? "no private verify server (" + why_not_private + ")"
                                                              : std::string("--verify-in scratch");
    return Status::Precondition("backup --verify cannot verify: " + reason + ", and the user '" +
                                    options_.source.user + "' may not create the scratch database " +
                                    options_.scratch_name + " (CREATE privilege on it is missing: " +
                                    created.message() + ")",
                                WaysOut(options_.source));
  }
  std::unique_ptr<Connection> owner;
  Status opened = Connection::Open(options_.source, &owner, /*use_database=*/false);
  if (!opened.ok()) {
    source->Execute("DROP DATABASE IF EXISTS " + Connection::QuoteIdentifier(options_.scratch_name));
    return opened;
  }
  scratch_owner_ = std::move(owner);
  method_ = "scratch-schema";
  return Status::Ok();
}

Status DumpVerifier::Verify(const std::string& dump_path, const TableStats& expected, VerifyResult* result) {
  auto start = std::chrono::steady_clock::now();
  result->method = method_;
  DbConfig where;
  std::string database;
  if (method_ == "private-server") {
    BAMORT_RETURN_IF_ERROR(server_.Start(options_.server));
    result->start_ms = MsSince(start);
    where = server_.config();
    database = kPrivateDatabase;
    std::unique_ptr<Connection> root;
    BAMORT_RETURN_IF_ERROR(Connection::Open(where, &root, false));
    BAMORT_RETURN_IF_ERROR(root->Execute(CreateDatabaseSql(database)));
    spdlog::info("verify: private MariaDB {} ready in {} ms; loading {}", root->server_version(), result->start_ms,
                 dump_path);
  } else if (method_ == "scratch-schema") {
    where = options_.source;
    database = options_.scratch_name;
    result->scratch_database = database;
    spdlog::info("verify: loading {} into the scratch database {}", dump_path, database);
  } else {
    return Status::Failed("internal: DumpVerifier::Verify before Prepare");
  }
  auto t_load = std::chrono::steady_clock::now();
  BAMORT_RETURN_IF_ERROR(LoadSqlDump(where, database, dump_path, nullptr).WithContext("verify"));
  result->load_ms = MsSince(t_load);
  Status compared = Compare(where, database, expected, result);
  Cleanup();
  result->duration_ms = MsSince(start);
  return compared;
}

Status DumpVerifier::Compare(const DbConfig& where, const std::string& database, const TableStats& expected,
                             VerifyResult* result) {
  std::unique_ptr<Connection> a, b;
  BAMORT_RETURN_IF_ERROR(Connection::Open(where, &a, false));
  BAMORT_RETURN_IF_ERROR(Connection::Open(where, &b, false));
  result->server_version = a->server_version();
  if (options_.after_load) BAMORT_RETURN_IF_ERROR(options_.after_load(a.get(), database));
  auto t_compare = std::chrono::steady_clock::now();
  for (Connection* c : {a.get(), b.get()}) BAMORT_RETURN_IF_ERROR(c->Execute("SET time_zone = '+00:00'"));
  std::vector<std::string> tables;
  BAMORT_RETURN_IF_ERROR(ListBaseTables(a.get(), database, &tables));
  TableStats restored;
  BAMORT_RETURN_IF_ERROR(ReadContentHashes({a.get(), b.get()}, database, tables, &restored));
  result->differences = CompareContentHashes(expected, restored);
  result->tables_compared = expected.size();
  result->compare_ms = MsSince(t_compare);
  return Status::Ok();
}

void DumpVerifier::Cleanup() {
  server_.Stop();
  if (scratch_owner_) {
    Status s = scratch_owner_->Execute("DROP DATABASE IF EXISTS " + Connection::QuoteIdentifier(options_.scratch_name));
    if (!s.ok()) spdlog::error("could not drop the scratch database {}: {}", options_.scratch_name, s.ToString());
    scratch_owner_.reset();
  }
}

}  // namespace bamort
