#include "config/db_config.h"

#include <cstdlib>

#include "common/file_io.h"
#include "common/secrets.h"

namespace bamort {

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
    RegisterSecret(password);
  }
  return Status::Ok();
}

Status LoadDbConfig(const EnvLookup& env, const DbFlags& flags, bool require_name, DbConfig* out) {
  DbConfig cfg;
  if (auto url = env("DATABASE_URL")) {
    Status s = ParseDatabaseUrl(*url, &cfg);
    if (!s.ok()) return s;
  }
  if (auto v = env("BAMORT_DB_HOST")) cfg.host = *v;
  if (auto v = env("BAMORT_DB_PORT")) {
    Status s = ParsePort("BAMORT_DB_PORT", *v, &cfg.port);
    if (!s.ok()) return s;
  }
  if (auto v = env("BAMORT_DB_NAME")) cfg.name = *v;
  if (auto v = env("BAMORT_DB_USER")) cfg.user = *v;
  if (auto v = env("BAMORT_DB_PASSWORD")) {
    cfg.password = *v;
    cfg.password_source = "BAMORT_DB_PASSWORD";
  }
  std::optional<std::string> password_file = env("BAMORT_DB_PASSWORD_FILE");
  std::string password_file_setting = "BAMORT_DB_PASSWORD_FILE";
  if (flags.password_file) {
    password_file = flags.password_file;
    password_file_setting = "--db-password-file";
  }
  if (password_file) {
    std::string content;
    Status s = ReadFileToString(*password_file, &content);
    if (!s.ok()) return Status::BadInput(password_file_setting + ": " + s.message());
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
    if (content.empty()) return Status::BadInput(password_file_setting + ": " + *password_file + " is empty");
    cfg.password = content;
    cfg.password_source = password_file_setting + " " + *password_file;
  }
  if (flags.host) cfg.host = *flags.host;
  if (flags.port) {
    Status s = ParsePort("--db-port", *flags.port, &cfg.port);
    if (!s.ok()) return s;
  }
  if (flags.name) cfg.name = *flags.name;
  if (flags.user) cfg.user = *flags.user;
  if (auto v = env("BAMORT_DB_CONNECT_TIMEOUT")) {
    cfg.connect_timeout_seconds = static_cast<unsigned>(std::strtoul(v->c_str(), nullptr, 10));
    if (cfg.connect_timeout_seconds == 0) return Status::BadInput("BAMORT_DB_CONNECT_TIMEOUT: expected seconds > 0");
  }

  if (cfg.host.empty()) return Status::BadInput("BAMORT_DB_HOST: empty host");
  if (cfg.user.empty()) {
    return Status::BadInput("no database user: set BAMORT_DB_USER, DATABASE_URL or --db-user");
  }
  if (require_name && cfg.name.empty()) {
    return Status::BadInput("no database name: set BAMORT_DB_NAME, DATABASE_URL or --db-name");
  }
  if (cfg.name.find_first_of("`/\\.") != std::string::npos || cfg.name.size() > 64) {
    return Status::BadInput("BAMORT_DB_NAME: '" + cfg.name + "' is not a valid database name");
  }
  if (!cfg.password.empty()) RegisterSecret(cfg.password);
  *out = std::move(cfg);
  return Status::Ok();
}

}  // namespace bamort
