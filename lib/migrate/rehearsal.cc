#include "migrate/rehearsal.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <set>

#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include "common/measure.h"
#include "server/client_process.h"

namespace bamort {

namespace {

// SIGPIPE ignored while the copy runs, so a client that dies turns into a write error
// with the client's own message instead of ending the job.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() { old_ = std::signal(SIGPIPE, SIG_IGN); }
  ~IgnoreSigpipe() { std::signal(SIGPIPE, old_ == SIG_ERR ? SIG_DFL : old_); }

 private:
  void (*old_)(int) = SIG_DFL;
};

// mariadb-dump --single-transaction of source.name piped into the mariadb client of
// target (database target.name, which must exist). The same dump options as a backup
// set (sql_dump.h) but no LOCK TABLES: nothing reads the stream but the client.
Status CopyDatabase(const DbConfig& source, const DbConfig& target, uint64_t* bytes) {
  IgnoreSigpipe ignore;
  ClientDefaults from, to;
  BAMORT_RETURN_IF_ERROR(from.Create(source));
  BAMORT_RETURN_IF_ERROR(to.Create(target));
  ChildProcess client;
  BAMORT_RETURN_IF_ERROR(client.Start({"mariadb", to.Argument(), "--default-character-set=utf8mb4", "--binary-mode",
                                       "--batch", "--max-allowed-packet=1G", target.name},
                                      ChildProcess::PipeTo::kStdin, "load.err"));
  ChildProcess dump;
  BAMORT_RETURN_IF_ERROR(dump.Start({"mariadb-dump", from.Argument(), "--single-transaction", "--routines", "--events",
                                     "--triggers", "--skip-add-locks", "--hex-blob", "--tz-utc", "--no-tablespaces",
                                     "--default-character-set=utf8mb4", "--max-allowed-packet=1G", source.name},
                                    ChildProcess::PipeTo::kStdout, "dump.err"));
  std::string buf(1 << 20, '\0');
  Status fed;
  for (;;) {
    ssize_t n = ::read(dump.fd(), &buf[0], buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fed = Status::Failed(std::string("reading from mariadb-dump: ") + std::strerror(errno));
    if (n <= 0) break;
    fed = WriteAll(client.fd(), buf.data(), static_cast<size_t>(n), "to the mariadb client of the private server");
    if (!fed.ok()) break;
    *bytes += static_cast<uint64_t>(n);
  }
  if (!fed.ok()) dump.Kill();
  Status dumped = fed.ok() ? dump.Wait() : Status::Ok();
  client.ClosePipe();
  Status loaded = client.Wait();
  // The clients' own messages say more than "broken pipe".
  if (!dumped.ok()) return dumped.WithContext("copying " + source.name + " (mariadb-dump)");
  if (!loaded.ok()) return loaded.WithContext("copying " + source.name + " into the private server (mariadb)");
  return fed;
}

// The first keyword of a statement, upper case, after blanks and comments.
std::string FirstKeyword(const std::string& sql) {
  size_t i = 0;
  for (;;) {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    if (sql.compare(i, 2, "--") == 0 || sql.compare(i, 1, "#") == 0) {
      i = sql.find('\n', i);
      if (i == std::string::npos) return "";
    } else if (sql.compare(i, 2, "/*") == 0) {
      i = sql.find("*/", i);
      if (i == std::string::npos) return "";
      i += 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++]))));
  }
  return word;
}

// DDL and DML: what changes the database. The guards' PREPARE, EXECUTE, DEALLOCATE,
// SELECT and DO 0 are not printed.
bool ChangesTheDatabase(const std::string& sql) {
  static const char* const kWords[] = {"ALTER",   "CREATE",   "DROP",   "RENAME", "INSERT", "UPDATE",
                                       "DELETE",  "REPLACE",  "TRUNCATE", "SIGNAL", "LOAD"};
  std::string w = FirstKeyword(sql);
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// "SET @name = ..." gives "name" (lower case: user variables ignore case); "" for any
// other statement, also for session settings such as SET FOREIGN_KEY_CHECKS = 0.
std::string AssignedVariable(const std::string& sql) {
  if (FirstKeyword(sql) != "SET") return "";
  size_t i = sql.find_first_not_of(" \t\r\n", sql.find_first_not_of(" \t\r\n") + 3);
  if (i == std::string::npos || sql[i] != '@' || sql.compare(i, 2, "@@") == 0) return "";
  std::string name;
  for (++i; i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_'); ++i) {
    name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i]))));
  }
  return name;
}

// Every user variable sql reads or writes (@name, not @@system), lower case.
std::set<std::string> VariablesIn(const std::string& sql) {
  std::set<std::string> out;
  for (size_t i = 0; i + 1 < sql.size(); ++i) {
    if (sql[i] != '@') continue;
    if (sql[i + 1] == '@') {
      ++i;
      continue;
    }
    std::string name;
    for (size_t j = i + 1; j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_'); ++j) {
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(sql[j]))));
    }
    if (!name.empty()) out.insert(name);
  }
  return out;
}

// Keeps a SET @x only when a statement kept after it reads @x before it is set again, so
// the printed statements replay on a copy (0007's @m5) without the guards' variables.
void KeepNeededVariables(std::vector<RehearsedStatement>* statements) {
  std::set<std::string> needed;
  std::vector<bool> keep(statements->size(), true);
  for (size_t k = statements->size(); k-- > 0;) {
    const std::string& text = (*statements)[k].text;
    std::string assigned = AssignedVariable(text);
    if (!assigned.empty()) {
      keep[k] = needed.erase(assigned) > 0;
      if (!keep[k]) continue;
    }
    for (const std::string& v : VariablesIn(text)) {
      if (v != assigned) needed.insert(v);
    }
  }
  std::vector<RehearsedStatement> kept;
  for (size_t k = 0; k < statements->size(); ++k) {
    if (keep[k]) kept.push_back(std::move((*statements)[k]));
  }
  statements->swap(kept);
}

// DDL, DML and SET (session settings always, user variables when needed: see
// KeepNeededVariables).
bool Printed(const std::string& sql) { return ChangesTheDatabase(sql) || FirstKeyword(sql) == "SET"; }

// The migration running now (plan[*current]) or the next one, when one of its up
// statements is exactly sql; 0 when the statement is neither's (the engine's bookkeeping,
// or a connection's own SET NAMES that some migration also happens to contain).
int64_t MigrationOf(const std::string& sql, const std::vector<const Migration*>& plan, size_t* current) {
  for (size_t i = *current; i < plan.size() && i <= *current + 1; ++i) {
    for (const SqlStatement& s : plan[i]->up) {
      if (s.text == sql) {
        *current = i;
        return plan[i]->number;
      }
    }
  }
  return 0;
}

// Reads what the migrating connection (thread_id) ran from the general log: Query rows
// that are migration statements, and for SQL-level prepared statements the "Execute"
// row MariaDB writes after a successful EXECUTE, which carries the executed text.
Status ReadExecutedStatements(Connection* reader, uint64_t thread_id, const std::vector<const Migration*>& plan,
                              RehearsalResult* result) {
  BAMORT_RETURN_IF_ERROR(reader->Execute("SET GLOBAL general_log = 0"));
  size_t current = 0;
  int64_t number = plan.empty() ? 0 : plan.front()->number;
  std::string last_prepared;
  bool awaiting_execute = false;
  BAMORT_RETURN_IF_ERROR(reader->QueryEach(
      "SELECT command_type, argument FROM mysql.general_log WHERE thread_id = " + std::to_string(thread_id) +
          " AND command_type IN ('Query', 'Prepare', 'Execute')",
      [&](const ResultSet&, const Row& row) {
        const std::string type = row[0].value_or("");
        const std::string text = row[1].value_or("");
        spdlog::debug("general log: {} {}", type, SqlForMessage(text));
        if (type == "Prepare") {
          last_prepared = text;
        } else if (type == "Execute") {
          awaiting_execute = false;
          if (Printed(text)) result->statements.push_back({number, text, true});
        } else if (int64_t n = MigrationOf(text, plan, &current); n > 0) {
          number = n;
          awaiting_execute = FirstKeyword(text) == "EXECUTE";
          if (Printed(text)) result->statements.push_back({number, text, false});
        }
        return Status::Ok();
      }));
  if (awaiting_execute && !last_prepared.empty()) result->failed_prepared = last_prepared;
  KeepNeededVariables(&result->statements);
  return Status::Ok();
}

std::vector<const Migration*> PlanOf(const MigrateResult& planned, const std::vector<Migration>& migrations) {
  std::vector<const Migration*> plan;
  for (const MigrationStep& step : planned.steps) {
    for (const Migration& m : migrations) {
      if (m.number == step.number) plan.push_back(&m);
    }
  }
  return plan;
}

// The private server: the database created with production's character set and
// collation, and production's global sql_mode (the migrations run with sql_mode DEFAULT).
Status PrepareCopyTarget(Connection* production, Connection* root, const std::string& database) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(production->Query(
      "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, @@GLOBAL.sql_mode FROM information_schema.SCHEMATA "
      "WHERE SCHEMA_NAME = DATABASE()",
      &rs));
  if (rs.rows.empty()) return Status::Failed("cannot read the character set of " + database);
  const Row& r = rs.rows.front();
  BAMORT_RETURN_IF_ERROR(root->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(database) +
                                       " CHARACTER SET " + r[0].value_or("utf8mb4") + " COLLATE " +
                                       r[1].value_or("utf8mb4_unicode_ci")));
  return root->Execute("SET GLOBAL sql_mode = " + root->Quote(r[2].value_or("")));
}

// The after_chain step on a fresh connection to the migrated copy.
Status RunAfterChain(const DbConfig& copy, const RehearsalOptions& options, RehearsalResult* result) {
  result->after_chain_name = options.after_chain_name;
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(Connection::Open(copy, &conn));
  spdlog::info("rehearsal: the migrations succeeded on the copy; running the {} step there", options.after_chain_name);
  auto t = std::chrono::steady_clock::now();
  Status s = options.after_chain(conn.get(), &result->after_chain_details);
  result->after_chain_ms = MsSince(t);
  result->after_chain_failed = !s.ok();
  return s;
}

// Starts the private server (its install ran while production was read), copies the
// database into it and runs the chain there with the general log on.
Status RunOnCopy(PrivateServer* server, Connection* production, const std::vector<Migration>& migrations,
                 const RehearsalOptions& options, RehearsalResult* result) {
  auto t_start = std::chrono::steady_clock::now();
  BAMORT_RETURN_IF_ERROR(server->Start(options.server).WithContext("rehearsal"));
  result->start_ms = MsSince(t_start);
  const std::string database = production->config().name;
  DbConfig copy = server->config();
  copy.name = database;
  std::unique_ptr<Connection> root;
  BAMORT_RETURN_IF_ERROR(Connection::Open(copy, &root, /*use_database=*/false));
  result->server_version = root->server_version();
  BAMORT_RETURN_IF_ERROR(PrepareCopyTarget(production, root.get(), database));
  spdlog::info("rehearsal: private MariaDB {} ready in {} ms; copying {}", result->server_version, result->start_ms,
               database);
  auto t_copy = std::chrono::steady_clock::now();
  BAMORT_RETURN_IF_ERROR(CopyDatabase(production->config(), copy, &result->copy_bytes));
  result->copy_ms = MsSince(t_copy);
  spdlog::info("rehearsal: copied {} ({} bytes of SQL) in {} ms; running the migrations on the copy", database,
               result->copy_bytes, result->copy_ms);

  BAMORT_RETURN_IF_ERROR(root->Execute("SET GLOBAL log_output = 'TABLE'"));
  BAMORT_RETURN_IF_ERROR(root->Execute("SET GLOBAL general_log = 1"));
  std::unique_ptr<Connection> conn;
  BAMORT_RETURN_IF_ERROR(Connection::Open(copy, &conn));
  MigrateOptions run = options.migrate;
  run.dry_run = false;
  run.sql_out = nullptr;
  auto t_run = std::chrono::steady_clock::now();
  Migrator migrator(conn.get(), migrations);
  Status ran = migrator.Migrate(run, &result->rehearsed);
  result->run_ms = MsSince(t_run);
  Status read = ReadExecutedStatements(root.get(), conn->connection_id(), PlanOf(result->planned, migrations), result);
  if (!read.ok()) spdlog::warn("rehearsal: cannot read the statements from the general log: {}", read.ToString());
  if (!ran.ok() || !options.after_chain) return ran;
  return RunAfterChain(copy, options, result);
}

}  // namespace

Status RehearseMigrate(Connection* production, const std::vector<Migration>& migrations,
                       const RehearsalOptions& options, RehearsalResult* result) {
  result->method = "none";
  PrivateServer server;
  std::string why_not;
  const bool possible = PrivateServer::Available(options.server, &why_not);
  // The install runs while production's plan is read.
  if (possible) BAMORT_RETURN_IF_ERROR(server.BeginInstall(options.server).WithContext("rehearsal"));
  MigrateOptions plan_options = options.migrate;
  plan_options.dry_run = true;
  plan_options.sql_out = possible ? nullptr : options.plan_out;
  Migrator planner(production, migrations);
  Status planned = planner.Migrate(plan_options, &result->planned);
  if (!planned.ok() || result->planned.steps.empty()) {
    result->reason = planned.ok() ? "nothing pending" : "refused before a rehearsal: " + planned.message();
    return planned;
  }
  if (!possible) {
    result->reason = "no private server possible: " + why_not;
    spdlog::warn("the dry run was NOT rehearsed ({}); printed the generic plan only, which cannot fail where the "
                 "real run fails",
                 result->reason);
    return Status::Ok();
  }
  result->method = "private-server";
  const std::string database = production->config().name;
  Status s = RunOnCopy(&server, production, migrations, options, result);
  server.Stop();
  if (s.ok()) {
    spdlog::info("rehearsal: {} migration(s), {} statement(s) changed the copy in {} ms; nothing changed on {}",
                 result->rehearsed.steps.size(), result->statements.size(), result->run_ms, database);
    return s;
  }
  // The chain's failure (or the step after it) is the dry run's verdict: same code and
  // message as the real run.
  result->failed = !result->after_chain_failed;
  const std::string who = result->after_chain_failed
                              ? "the " + options.after_chain_name + " after the real bamort-migrate"
                              : std::string("the real bamort-migrate");
  return s.WithContext("rehearsal on a private copy of " + database)
      .WithHint("nothing was changed on " + database + "; " + who + " would fail the same way" +
                (s.hint().empty() ? std::string() : " (its advice then: " + s.hint() + ")"));
}

Poco::JSON::Object::Ptr RehearsalResult::ToJson(const Status& outcome) const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("method", method);
  o->set("rehearsed", rehearsed_ok());
  if (!reason.empty()) o->set("reason", reason);
  if (rehearsed_ok()) {
    o->set("server_version", server_version);
    o->set("start_ms", start_ms);
    o->set("copy_ms", copy_ms);
    o->set("copy_bytes", copy_bytes);
    o->set("run_ms", run_ms);
    o->set("statements_count", static_cast<uint64_t>(statements.size()));
    o->set("migrations_run", static_cast<uint64_t>(rehearsed.steps.size()));
  }
  o->set("outcome", outcome.ok() ? "ok" : "failed");
  o->set("exit_code", outcome.exit_code());
  if (!outcome.ok()) o->set("message", outcome.message());
  std::string failed = failed_prepared.value_or("");
  if (failed.empty() && rehearsed.dirty) failed = rehearsed.dirty->failed_statement.value_or("");
  if (!failed.empty()) o->set("failed_statement", failed);
  Poco::JSON::Array::Ptr differences = new Poco::JSON::Array();
  for (const SchemaProof& p : rehearsed.schema_checks) {
    for (const SchemaFinding& f : p.failing) differences->add(f.Describe());
  }
  o->set("schema_differences", differences);
  if (!after_chain_name.empty()) {
    Poco::JSON::Object::Ptr step = after_chain_details.isNull() ? new Poco::JSON::Object(true) : after_chain_details;
    step->set("run_ms", after_chain_ms);
    o->set(after_chain_name, step);
  }
  return o;
}

void PrintRehearsal(const RehearsalResult& result, const std::vector<Migration>& migrations, std::ostream& out) {
  out << "-- bamort migrate dry run, rehearsed on a private copy (MariaDB " << result.server_version
      << "): database at migration " << result.planned.number_before << " (" << result.planned.layout_before
      << " layout), " << result.planned.steps.size() << " migration(s) planned, " << result.statements.size()
      << " statement(s) changed the copy\n";
  int64_t shown = -1;
  for (const RehearsedStatement& s : result.statements) {
    if (s.migration_number != shown) {
      shown = s.migration_number;
      const Migration& m = migrations[static_cast<size_t>(shown - 1)];
      out << "\n-- migration " << m.number << " (" << m.version.ToString() << "): " << m.description << " ["
          << m.name << "]\n";
    }
    if (s.prepared) out << "-- (executed by a prepared statement)\n";
    out << s.text << ";\n";
  }
  if (result.failed_prepared) {
    out << "\n-- failed (prepared statement):\n" << *result.failed_prepared << ";\n";
  } else if (result.failed) {
    out << "-- the rehearsal stopped here: the statement above failed, or the schema check after it\n";
  }
}

}  // namespace bamort
