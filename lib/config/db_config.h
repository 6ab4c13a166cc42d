// DbConfig: where the database is and how to log in. Loaded from the environment
// (BAMORT_DB_*, BAMORT_DB_PASSWORD_FILE, or Bamort's own DATABASE_URL), then overridden
// by command-line flags. There is deliberately no flag for the password: argv is
// visible to every user of the machine.
//
// Precedence, lowest first: DATABASE_URL, BAMORT_DB_* variables, flags.
// BAMORT_DB_PASSWORD_FILE wins over BAMORT_DB_PASSWORD and the URL's password.
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
  // Where the password came from, for messages ("BAMORT_DB_PASSWORD_FILE /run/secrets/x").
  std::string password_source;
  unsigned connect_timeout_seconds = 10;

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

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

// Fills *out; a setting that cannot be used is kBadInput naming the setting, never its
// secret value. require_name: jobs that need a database name (all but a few).
Status LoadDbConfig(const EnvLookup& env, const DbFlags& flags, bool require_name, DbConfig* out);

// Bamort's go-sql-driver DSN: user[:password]@tcp(host[:port])/dbname[?params].
// The message of a failure never contains the URL (it holds the password).
Status ParseDatabaseUrl(const std::string& url, DbConfig* out);

Status ParsePort(const std::string& setting, const std::string& text, unsigned* port);

}  // namespace bamort
