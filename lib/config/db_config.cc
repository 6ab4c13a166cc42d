#include "config/db_config.h"

#include <cstdlib>

#include "common/secrets.h"
#include "config/bounded_file.h"

namespace bamort {

namespace {

// The password of one family: a file to read or a value, and the setting that named it.
struct PasswordChoice {
  std::string setting;  // "BAMORT_DB_PASSWORD_FILE", "DATABASE_URL", ...
  std::string value;    // the path when is_file
  bool is_file = false;
};

// Settings gathered from the families before the password file is read.
struct Gathered {
  DbConfig cfg;
  std::optional<PasswordChoice> password;
  bool host_given = false;
};

// Sets *field and *source when value is given; returns whether it was.
bool Take(const std::optional<std::string>& value, const std::string& source, std::string* field,
          std::string* field_source) {
  if (!value) return false;
  *field = *value;
  *field_source = source;
  return true;
}

void TakeFamilyPassword(const EnvLookup& env, const std::string& plain, const std::string& file, Gathered* g) {
  if (auto f = env(file)) {
    g->password = PasswordChoice{file, *f, true};
  } else if (auto p = env(plain)) {
    g->password = PasswordChoice{plain, *p, false};
  }
}

void TakeMariadbImage(const EnvLookup& env, Gathered* g) {
  Take(env("MARIADB_USER"), "MARIADB_USER", &g->cfg.user, &g->cfg.user_source);
  Take(env("MARIADB_DATABASE"), "MARIADB_DATABASE", &g->cfg.name, &g->cfg.name_source);
  TakeFamilyPassword(env, "MARIADB_PASSWORD", "MARIADB_PASSWORD_FILE", g);
}

Status TakeDatabaseUrl(const EnvLookup& env, Gathered* g) {
  auto url = env("DATABASE_URL");
  if (!url) return Status::Ok();
  DbConfig parsed;
  BAMORT_RETURN_IF_ERROR(ParseDatabaseUrl(*url, &parsed));
  g->host_given = Take(parsed.host, "DATABASE_URL", &g->cfg.host, &g->cfg.host_source);
  g->cfg.port = parsed.port;
  Take(parsed.name, "DATABASE_URL", &g->cfg.name, &g->cfg.name_source);
  Take(parsed.user, "DATABASE_URL", &g->cfg.user, &g->cfg.user_source);
  if (!parsed.password.empty()) g->password = PasswordChoice{"DATABASE_URL", parsed.password, false};
  return Status::Ok();
}

Status TakeBamortVariables(const EnvLookup& env, Gathered* g) {
  if (Take(env("BAMORT_DB_HOST"), "BAMORT_DB_HOST", &g->cfg.host, &g->cfg.host_source)) g->host_given = true;
  if (auto v = env("BAMORT_DB_PORT")) BAMORT_RETURN_IF_ERROR(ParsePort("BAMORT_DB_PORT", *v, &g->cfg.port));
  Take(env("BAMORT_DB_NAME"), "BAMORT_DB_NAME", &g->cfg.name, &g->cfg.name_source);
  Take(env("BAMORT_DB_USER"), "BAMORT_DB_USER", &g->cfg.user, &g->cfg.user_source);
  TakeFamilyPassword(env, "BAMORT_DB_PASSWORD", "BAMORT_DB_PASSWORD_FILE", g);
  return Status::Ok();
}

Status TakeFlags(const DbFlags& flags, Gathered* g) {
  if (Take(flags.host, "--db-host", &g->cfg.host, &g->cfg.host_source)) g->host_given = true;
  if (flags.port) BAMORT_RETURN_IF_ERROR(ParsePort("--db-port", *flags.port, &g->cfg.port));
  Take(flags.name, "--db-name", &g->cfg.name, &g->cfg.name_source);
  Take(flags.user, "--db-user", &g->cfg.user, &g->cfg.user_source);
  if (flags.password_file) g->password = PasswordChoice{"--db-password-file", *flags.password_file, true};
  return Status::Ok();
}

bool FromMariadbImage(const std::string& source) { return source.rfind("MARIADB_", 0) == 0; }

Status CheckResult(const DbConfig& cfg, bool require_name) {
  if (cfg.host.empty()) return Status::BadInput(cfg.host_source + ": empty host");
  if (cfg.user.empty()) {
    return Status::BadInput("no database user: set BAMORT_DB_USER, MARIADB_USER, DATABASE_URL or --db-user");
  }
  if (require_name && cfg.name.empty()) {
    return Status::BadInput("no database name: set BAMORT_DB_NAME, MARIADB_DATABASE, DATABASE_URL or --db-name");
  }
  if (cfg.name.find_first_of("`/\\.") != std::string::npos || cfg.name.size() > 64) {
    return Status::BadInput(cfg.name_source + ": '" + cfg.name + "' is not a valid database name");
  }
  return Status::Ok();
}

}  // namespace

std::string DbConfig::Describe() const {
  return user + "@" + host + ":" + std::to_string(port) + "/" + name;
}

EnvLookup ProcessEnv() {
  return [](const std::string& key) -> std::optional<std::string> {
    const char* v = std::getenv(key.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

Status ParsePort(const std::string& setting, const std::string& text, unsigned* port) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::BadInput(setting + ": '" + text + "' is not a port number (1-65535)");
  }
  unsigned long v = std::strtoul(text.c_str(), nullptr, 10);
  if (v < 1 || v > 65535) return Status::BadInput(setting + ": port " + text + " is out of range 1-65535");
  *port = static_cast<unsigned>(v);
  return Status::Ok();
}

Status ParseDatabaseUrl(const std::string& url, DbConfig* out) {
  static const char* kShape =
      "expected user:password@tcp(host:port)/database[?params]; the value is not shown because it holds the password";
  // The password may itself contain '@' or ':', so split at the last '@' before "tcp(".
  size_t proto = url.rfind("@tcp(");
  if (proto == std::string::npos) {
    if (url.find("@unix(") != std::string::npos) {
      return Status::BadInput("DATABASE_URL: unix sockets are not supported, use tcp(host:port)");
    }
    return Status::BadInput(std::string("DATABASE_URL: ") + kShape);
  }
  std::string userinfo = url.substr(0, proto);
  size_t close = url.find(')', proto + 5);
  if (close == std::string::npos) return Status::BadInput(std::string("DATABASE_URL: missing ')'; ") + kShape);
  std::string address = url.substr(proto + 5, close - proto - 5);
  std::string rest = url.substr(close + 1);
  if (rest.empty() || rest[0] != '/') return Status::BadInput(std::string("DATABASE_URL: missing /database; ") + kShape);
  std::string db = rest.substr(1, rest.find('?') == std::string::npos ? std::string::npos : rest.find('?') - 1);

  size_t colon = userinfo.find(':');
  std::string user = userinfo.substr(0, colon);
  std::string password = colon == std::string::npos ? "" : userinfo.substr(colon + 1);
  if (!password.empty()) RegisterSecret(password);
  if (user.empty()) return Status::BadInput(std::string("DATABASE_URL: missing user; ") + kShape);
  if (db.empty()) return Status::BadInput(std::string("DATABASE_URL: missing database name; ") + kShape);

  std::string host = address;
  unsigned port = 3306;
  size_t port_sep = address.rfind(':');
  if (port_sep != std::string::npos) {
    host = address.substr(0, port_sep);
    Status s = ParsePort("DATABASE_URL", address.substr(port_sep + 1), &port);
    if (!s.ok()) return s;
  }
  if (host.empty()) return Status::BadInput(std::string("DATABASE_URL: missing host; ") + kShape);

  out->host = host;
  out->port = port;
  out->name = db;
  out->user = user;
  if (!password.empty()) {
    out->password = password;
    out->password_source = "DATABASE_URL";
  }
  return Status::Ok();
}

Status ReadPasswordFile(const std::string& setting, const std::string& path, std::string* out) {
  std::string content;
  Status read = ReadFileBounded(path, kMaxPasswordFileBytes, &content);
  if (!read.ok()) return Status::BadInput(setting + ": " + read.message());
  const std::string where = setting + ": " + path;
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  if (content.empty()) return Status::BadInput(where + " is empty");
  if (content.find('\0') != std::string::npos) return Status::BadInput(where + " holds a NUL byte");
  if (content.find_first_of("\r\n") != std::string::npos) {
    return Status::BadInput(where + " holds more than one line; a password file holds the password alone");
  }
  RegisterSecret(content);
  *out = std::move(content);
  return Status::Ok();
}

Status LoadDbConfig(const EnvLookup& env, const DbFlags& flags, bool require_name, DbConfig* out) {
  Gathered g;
  TakeMariadbImage(env, &g);
  BAMORT_RETURN_IF_ERROR(TakeDatabaseUrl(env, &g));
  BAMORT_RETURN_IF_ERROR(TakeBamortVariables(env, &g));
  BAMORT_RETURN_IF_ERROR(TakeFlags(flags, &g));

  DbConfig cfg = std::move(g.cfg);
  bool image_in_use = FromMariadbImage(cfg.user_source) || FromMariadbImage(cfg.name_source) ||
                      (g.password && FromMariadbImage(g.password->setting));
  if (!g.host_given && image_in_use) {
    cfg.host = kComposeDatabaseHost;
    cfg.host_source = "default for MARIADB_* settings (upstream's compose service)";
    cfg.host_is_compose_default = true;
  }
  cfg.password.clear();
  cfg.password_source.clear();
  if (g.password) {
    if (g.password->is_file) {
      BAMORT_RETURN_IF_ERROR(ReadPasswordFile(g.password->setting, g.password->value, &cfg.password));
      cfg.password_source = g.password->setting + " " + g.password->value;
    } else {
      cfg.password = g.password->value;
      cfg.password_source = g.password->setting;
    }
  }
  if (auto v = env("BAMORT_DB_CONNECT_TIMEOUT")) {
    // A whole number of seconds, 1 to an hour: a longer connect wait only hides a dead host.
    if (v->size() > 6 || v->find_first_not_of("0123456789") != std::string::npos || std::stoul(*v) == 0 ||
        std::stoul(*v) > kMaxConnectTimeoutSeconds) {
      return Status::BadInput("BAMORT_DB_CONNECT_TIMEOUT: expected whole seconds from 1 to " +
                              std::to_string(kMaxConnectTimeoutSeconds) + ", got '" + *v + "'");
    }
    cfg.connect_timeout_seconds = static_cast<unsigned>(std::stoul(*v));
  }
  if (!cfg.password.empty()) RegisterSecret(cfg.password);
  BAMORT_RETURN_IF_ERROR(CheckResult(cfg, require_name));
  *out = std::move(cfg);
  return Status::Ok();
}

}  // namespace bamort
