// DbConfig: where the database is and how to log in. Loaded from the environment, then
// overridden by command-line flags. There is deliberately no flag for the password: argv
// is visible to every user of the machine.
//
// Four families of settings, lowest precedence first; each setting (host, port, name,
// user, password) is taken from the highest family that sets it:
//   1. the official MariaDB image's MARIADB_USER, MARIADB_PASSWORD(_FILE), MARIADB_DATABASE
//      (never MARIADB_ROOT_PASSWORD), so upstream's .env works as it is;
//   2. Bamort's own DATABASE_URL (user:pass@tcp(host:port)/db?...);
//   3. BAMORT_DB_HOST, _PORT, _NAME, _USER, _PASSWORD, _PASSWORD_FILE;
//   4. the flags --db-host, --db-port, --db-name, --db-user, --db-password-file.
// Within a family the password file wins over the plain password; only the winning file
// is read. With no host from 2-4 the host is "mariadb" (the database service of upstream's
// compose file) when a MARIADB_* variable supplies a setting, else 127.0.0.1.
// docs/CONFIGURATION.md is the operator's version of this.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace bamort {

struct DbConfig {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string name;
  std::string user;
  std::string password;  // never print; registered with common/secrets on load
  // Where each setting came from, for messages and hints: "BAMORT_DB_HOST",
  // "DATABASE_URL", "MARIADB_PASSWORD_FILE /run/secrets/x", "--db-user", "default".
  std::string host_source = "default";
  std::string name_source;
  std::string user_source;
  std::string password_source;
  // The host is kComposeDatabaseHost because MARIADB_* settings came without a host.
  bool host_is_compose_default = false;
  unsigned connect_timeout_seconds = 10;  // BAMORT_DB_CONNECT_TIMEOUT, 1..kMaxConnectTimeoutSeconds

  // "user@host:port/db", safe to log.
  std::string Describe() const;
};

// Flag values given on the command line; empty means "not given".
struct DbFlags {
  std::optional<std::string> host;
  std::optional<std::string> port;
  std::optional<std::string> name;
  std::optional<std::string> user;
  std::optional<std::string> password_file;
};

// A variable of the environment; nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

// The host used when the settings come from MARIADB_* and nothing names a host.
constexpr const char* kComposeDatabaseHost = "mariadb";
// A password file larger than this is refused (it is not a password file).
constexpr size_t kMaxPasswordFileBytes = 4096;
// Largest BAMORT_DB_CONNECT_TIMEOUT accepted (seconds).
constexpr unsigned long kMaxConnectTimeoutSeconds = 3600;

// Fills *out; a setting that cannot be used is kBadInput naming the setting, never its
// secret value. require_name: jobs that need a database name (all but a few).
Status LoadDbConfig(const EnvLookup& env, const DbFlags& flags, bool require_name, DbConfig* out);

// Bamort's go-sql-driver DSN: user[:password]@tcp(host[:port])/dbname[?params].
// The message of a failure never contains the URL (it holds the password).
Status ParseDatabaseUrl(const std::string& url, DbConfig* out);

Status ParsePort(const std::string& setting, const std::string& text, unsigned* port);

// Reads a password file (a Docker or Kubernetes secret): at most kMaxPasswordFileBytes,
// trailing line breaks dropped, one line, no NUL byte, not empty. A failure is kBadInput
// naming setting and path, never the content.
Status ReadPasswordFile(const std::string& setting, const std::string& path, std::string* out);

}  // namespace bamort
