#include "cli/job_cli.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "build_info.h"
#include "cli/logging.h"
#include "common/clock.h"
#include "common/output_dir.h"
#include "common/secrets.h"
#include "config/dotenv.h"

namespace bamort {

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  done\n"
    "  1  failed, database unchanged\n"
    "  2  bad usage or bad input, nothing touched\n"
    "  3  precondition not met (incompatible version, lock not obtained, required report missing or not ok)\n"
    "  4  failed after changing the database (dirty): the report says what was committed and how to restore\n";

constexpr const char* kDatabaseHelp =
    "Database settings (environment first, flags override; docs/CONFIGURATION.md):\n"
    "  BAMORT_DB_HOST, BAMORT_DB_PORT (3306), BAMORT_DB_NAME, BAMORT_DB_USER,\n"
    "  BAMORT_DB_PASSWORD or BAMORT_DB_PASSWORD_FILE (a file holding the password, e.g. a\n"
    "  Docker/Kubernetes secret); or Bamort's own DATABASE_URL=user:pass@tcp(host:port)/db?...;\n"
    "  or the MariaDB image's MARIADB_USER, MARIADB_PASSWORD or MARIADB_PASSWORD_FILE,\n"
    "  MARIADB_DATABASE (MARIADB_ROOT_PASSWORD is never used).\n"
    "  Precedence, lowest first: MARIADB_*, DATABASE_URL, BAMORT_DB_*, flags; a *_FILE wins\n"
    "  over the plain password of its family. Host: the flag, BAMORT_DB_HOST or the URL's;\n"
    "  else 'mariadb' (upstream's compose service) when MARIADB_* supply a setting; else 127.0.0.1.\n"
    "  --env-file FILE reads such variables from a dotenv file (upstream's .env as it is); it is\n"
    "  never executed, and variables already set in the environment win over it.\n"
    "  The password is never accepted as a flag and never printed.\n";

std::string NewRunId() {
  std::random_device rd;
  char buf[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ-%06x", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, rd() & 0xffffff);
  return buf;
}

}  // namespace

bool FlagHandle::given() const { return Value() != nullptr; }

const std::string& FlagHandle::name() const {
  static const std::string none;
  return cli_ ? cli_->specs_[index_].name : none;
}

const std::string* FlagHandle::Value() const { return cli_ ? cli_->ValueOf(index_) : nullptr; }

std::optional<std::string> TextFlag::value() const {
  const std::string* v = Value();
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

std::string TextFlag::value_or(const std::string& fallback) const {
  const std::string* v = Value();
  return v ? *v : fallback;
}

namespace {

Status ParseWholeNumber(const std::string& name, const std::string* text, int64_t fallback, int64_t min, int64_t max,
                        int64_t* out) {
  if (!text) {
    *out = fallback;
    return Status::Ok();
  }
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0 || n < min || n > max) {
    return Status::BadInput("--" + name + ": expected a whole number from " + std::to_string(min) + " to " +
                            std::to_string(max) + ", got '" + *text + "'");
  }
  *out = n;
  return Status::Ok();
}

bool IsFlagName(const std::string& name) {
  if (name.empty() || name.front() == '-' || name.back() == '-' || name.find("--") != std::string::npos) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Status IntFlag::Read(int64_t* out) const {
  if (!declared()) throw std::logic_error("an IntFlag that no AddInt declared is read: it has no default");
  return ParseWholeNumber(name(), Value(), fallback_, min_, max_, out);
}

Status IntFlag::Read(int* out) const {
  int64_t n = 0;
  BAMORT_RETURN_IF_ERROR(Read(&n));
  *out = static_cast<int>(n);  // the declared range keeps it within int (checked at AddInt)
  return Status::Ok();
}

JobCli::JobCli(std::string job, std::string summary, std::string description)
    : job_(std::move(job)), summary_(std::move(summary)), description_(std::move(description)) {
  auto common_text = [&](const std::string& name, const std::string& value_name, const std::string& help) {
    return TextFlag(this, Add(name, value_name, help, "common"));
  };
  common_.help = SwitchFlag(this, Add("help", "", "show this help and exit", "common"));
  common_.version =
      SwitchFlag(this, Add("version", "", "show the tool, backend and required DB versions and exit", "common"));
  common_.report =
      common_text("report", "FILE", "write the JSON step report to FILE (default: <reports-dir>/" + job_ + ".json)");
  common_.reports_dir = common_text("reports-dir", "DIR", "folder of this run's reports (default: "
                                    "$BAMORT_REPORTS_DIR); previous steps' reports are looked up here");
  common_.run_id = common_text("run-id", "ID", "id of the deployment run, shared by its steps (default: "
                               "$BAMORT_RUN_ID or a new one)");
  common_.env_file = common_text("env-file", "FILE", "read settings from this dotenv file (KEY=VALUE lines, e.g. "
                                 "upstream's .env); variables already set in the environment win");
  common_.log_format =
      common_text("log-format", "text|json", "log lines on stderr as text (default) or one JSON object per line");
  common_.verbose = SwitchFlag(this, Add("verbose", "", "log debug details", "common"));
}

size_t JobCli::Add(const std::string& name, const std::string& value_name, const std::string& help,
                   const std::string& group) {
  const std::string where = "bamort-" + job_ + " declares --" + name;
  if (parsed_) throw std::logic_error(where + " after parsing its arguments");
  if (!IsFlagName(name)) throw std::logic_error(where + ": a flag name is lower-case words joined by '-'");
  if (Find(name)) throw std::logic_error(where + " twice");
  if (help.empty()) throw std::logic_error(where + " without a help text");
  specs_.push_back({name, value_name, help, group, std::nullopt});
  return specs_.size() - 1;
}

SwitchFlag JobCli::AddSwitch(const std::string& name, const std::string& help) {
  return SwitchFlag(this, Add(name, "", help, "job"));
}

TextFlag JobCli::AddText(const std::string& name, const std::string& value_name, const std::string& help) {
  if (value_name.empty()) throw std::logic_error("bamort-" + job_ + " declares --" + name + " without a value name");
  return TextFlag(this, Add(name, value_name, help, "job"));
}

IntFlag JobCli::AddInt(const std::string& name, const std::string& value_name, const std::string& help,
                       int64_t fallback, int64_t min, int64_t max) {
  if (value_name.empty()) throw std::logic_error("bamort-" + job_ + " declares --" + name + " without a value name");
  if (!(min <= fallback && fallback <= max) || min < INT32_MIN || max > INT32_MAX) {
    throw std::logic_error("bamort-" + job_ + " declares --" + name + " with default " + std::to_string(fallback) +
                           " outside its range " + std::to_string(min) + ".." + std::to_string(max) +
                           " (or a range beyond int)");
  }
  return IntFlag(this, Add(name, value_name, help, "job"), fallback, min, max);
}

JobCli& JobCli::WithDatabase() {
  with_database_ = true;
  auto db = [&](const std::string& name, const std::string& value_name, const std::string& help) {
    return TextFlag(this, Add(name, value_name, help, "db"));
  };
  db_host_ = db("db-host", "HOST", "database host (overrides BAMORT_DB_HOST)");
  db_port_ = db("db-port", "PORT", "database port (overrides BAMORT_DB_PORT)");
  db_name_ = db("db-name", "NAME", "database name (overrides BAMORT_DB_NAME)");
  db_user_ = db("db-user", "USER", "database user (overrides BAMORT_DB_USER)");
  db_password_file_ = db("db-password-file", "FILE", "file holding the password (overrides BAMORT_DB_PASSWORD_FILE)");
  return *this;
}

JobCli& JobCli::WithDryRun(const std::string& help) {
  dry_run_ = SwitchFlag(this, Add("dry-run", "", help, "job"));
  return *this;
}

JobCli& JobCli::Positional(const std::string& usage) {
  positional_usage_ = usage;
  return *this;
}

JobCli::Spec* JobCli::Find(const std::string& name) {
  for (Spec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const std::string* JobCli::ValueOf(size_t index) const {
  const std::optional<std::string>& value = specs_[index].value;
  return value ? &*value : nullptr;
}

// One argument at argv[*i] (and its value, which advances *i); false with *exit_code on bad usage.
bool JobCli::ParseOne(const std::string& program, int argc, char** argv, int* i, int* exit_code) {
  std::string arg = argv[*i];
  *exit_code = 2;
  if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
    if (positional_usage_.empty()) {
      std::cerr << program << ": unexpected argument '" << arg << "'; see --help\n";
      return false;
    }
    positional_.push_back(arg);
    return true;
  }
  std::string name = arg.substr(2);
  std::optional<std::string> value;
  size_t eq = name.find('=');
  if (eq != std::string::npos) {
    value = name.substr(eq + 1);
    name = name.substr(0, eq);
  }
  if (name == "db-password" || name == "password") {
    std::cerr << program << ": the password is never taken as a flag (argv is visible to every user); "
              << "use BAMORT_DB_PASSWORD_FILE or --db-password-file\n";
    return false;
  }
  Spec* spec = Find(name);
  if (!spec) {
    std::cerr << program << ": unknown flag --" << name << "; see --help\n";
    return false;
  }
  if (spec->value_name.empty()) {
    if (value) {
      std::cerr << program << ": --" << name << " takes no value\n";
      return false;
    }
    spec->value = "";
    return true;
  }
  if (!value) {
    if (*i + 1 >= argc) {
      std::cerr << program << ": --" << name << " needs a value (" << spec->value_name << ")\n";
      return false;
    }
    value = argv[++*i];
  }
  spec->value = *value;
  return true;
}

bool JobCli::Parse(int argc, char** argv, int* exit_code) {
  parsed_ = true;
  const std::string program = "bamort-" + job_;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      for (++i; i < argc; ++i) positional_.push_back(argv[i]);
      break;
    }
    if (!ParseOne(program, argc, argv, &i, exit_code)) return false;
  }
  if (common_.help.on()) {
    std::cout << HelpText();
    *exit_code = 0;
    return false;
  }
  if (common_.version.on()) {
    std::cout << VersionText(program);
    *exit_code = 0;
    return false;
  }
  return true;
}

std::string VersionText(const std::string& program) {
  return program + " " + kToolVersion + "\nbackend version: " + kBackendVersion + "\nrequired DB version: " +
         kRequiredDbVersion + "\ncommit: " + kGitCommit + ", built " + kBuildDate + " with " + kCompiler + "\n";
}

DbFlags JobCli::db_flags() const {
  DbFlags f;
  if (!with_database_) return f;
  f.host = db_host_.value();
  f.port = db_port_.value();
  f.name = db_name_.value();
  f.user = db_user_.value();
  f.password_file = db_password_file_.value();
  return f;
}

std::string JobCli::HelpText() const {
  std::string program = "bamort-" + job_;
  std::string out = program + " - " + summary_ + "\n\nUsage: " + program + " [flags]" +
                    (positional_usage_.empty() ? "" : " " + positional_usage_) + "\n\n";
  if (!description_.empty()) out += description_ + "\n\n";
  auto section = [&](const std::string& group, const std::string& title) {
    std::string lines;
    for (const Spec& s : specs_) {
      if (s.group != group) continue;
      std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
      if (left.size() < 28) left.resize(28, ' ');
      else left += "\n" + std::string(28, ' ');
      lines += left + s.help + "\n";
    }
    if (!lines.empty()) out += title + ":\n" + lines + "\n";
  };
  section("job", "Flags");
  section("db", "Database flags");
  section("common", "Common flags");
  if (with_database_) out += std::string(kDatabaseHelp) + "\n";
  out += kExitCodes;
  return out;
}

JobRun::JobRun(const JobCli& cli) : cli_(cli) {
  report_.job = cli.job();
  report_.status = "ok";
  report_.started_at = std::chrono::system_clock::now();
  report_.tool_version = kToolVersion;
  report_.backend_version = kBackendVersion;
}

Status JobRun::Start() {
  const JobCli::CommonFlags& flags = cli_.common();
  BAMORT_RETURN_IF_ERROR(SetupLogging("bamort-" + cli_.job(), flags.log_format.value_or("text"), flags.verbose.on()));
  // Before anything reads the environment: the file may set BAMORT_REPORTS_DIR too. A bad
  // file sets nothing; its failure is returned once the report path is known.
  Status env_file = Status::Ok();
  if (auto path = flags.env_file.value()) env_file = LoadEnvFile(*path);
  const char* env_run = std::getenv("BAMORT_RUN_ID");
  report_.run_id = flags.run_id.value_or(env_run && *env_run ? env_run : NewRunId());
  const char* env_dir = std::getenv("BAMORT_REPORTS_DIR");
  reports_dir_ = flags.reports_dir.value_or(env_dir ? env_dir : "");
  if (auto r = flags.report.value()) {
    if (r->empty()) return Status::BadInput("--report: empty file name");
    report_path_ = *r;
  } else if (!reports_dir_.empty()) {
    report_path_ = reports_dir_ + "/" + cli_.job() + ".json";
  }
  report_.inputs->set("dry_run", cli_.dry_run());
  if (!report_path_.empty()) {
    Status writable = CheckReportWritable(report_path_);
    if (!writable.ok()) {
      std::string unwritable = report_path_;
      report_path_.clear();  // Finish cannot write there either
      return writable.WithContext("checked before anything else").WithHint(writable.hint() + " (" + unwritable + ")");
    }
    const size_t slash = report_path_.rfind('/');
    const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : report_path_.substr(0, slash);
    std::string folder_warning;
    if (CheckOutputDir("report folder", folder, &folder_warning).ok() && !folder_warning.empty()) Warn(folder_warning);
    // Until Finish replaces it, the report says "running": a job that is killed leaves
    // that, never the verdict of the run before it at the same path (docs/REPORTS.md).
    StepReport running = report_;
    running.status = "running";
    running.finished_at = running.started_at;
    Status w = WriteReport(running, report_path_);
    if (!w.ok()) return w.WithContext("writing the 'running' report");
  }
  return env_file;
}

Status JobRun::LoadEnvFile(const std::string& path) {
  if (path.empty()) return Status::BadInput("--env-file: empty file name");
  DotenvFile file;
  BAMORT_RETURN_IF_ERROR(ReadDotenvFile(path, &file));
  for (const std::string& w : file.warnings) spdlog::warn("{}", w);
  DotenvApplied applied = ApplyDotenvToProcess(file);
  auto join = [](const std::vector<std::string>& keys) {
    std::string out;
    for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
    return out.empty() ? std::string("none") : out;
  };
  spdlog::info("--env-file {}: took {}; kept from the environment: {}", path, join(applied.set), join(applied.kept));
  report_.inputs->set("env_file", path);
  return Status::Ok();
}

Status JobRun::LoadDb(DbConfig* out, bool require_name) {
  Status s = LoadDbConfig(ProcessEnv(), cli_.db_flags(), require_name, out);
  if (!s.ok()) return s;
  spdlog::debug("database {} (host from {}, user from {}, database from {}, password from {})", out->Describe(),
                out->host_source, out->user_source, out->name_source.empty() ? "none" : out->name_source,
                out->password_source.empty() ? "none" : out->password_source);
  if (out->host_is_compose_default) {
    spdlog::info("database host '{}': the service name in upstream's compose file, used because MARIADB_* settings "
                 "are given without BAMORT_DB_HOST; outside that compose network set BAMORT_DB_HOST",
                 out->host);
  }
  report_.database.host = out->host + ":" + std::to_string(out->port);
  report_.database.name = out->name;
  return Status::Ok();
}

void JobRun::Warn(const std::string& message) {
  report_.warnings.push_back(Redact(message));
  spdlog::warn("{}", message);
}

int JobRun::Finish(const Status& status) {
  report_.finished_at = std::chrono::system_clock::now();
  report_.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(report_.finished_at - report_.started_at).count();
  report_.exit_code = status.exit_code();
  if (status.ok()) {
    if (report_.status == "ok" && !report_.warnings.empty()) report_.status = "warning";
    report_.error = std::nullopt;
  } else {
    bool state = exit_code_is_state_ && status.code() == StatusCode::kPrecondition;
    report_.status = state ? "warning" : "failed";
    std::string message = status.message();
    if (status.db_errno() != 0) message += " (errno " + std::to_string(status.db_errno()) + ")";
    report_.error = ReportError{Status::CodeName(status.code()), Redact(message), Redact(status.hint())};
  }
  int code = status.exit_code();
  if (!report_path_.empty()) {
    Status w = WriteReport(report_, report_path_);
    if (!w.ok()) {
      spdlog::error("could not write the report: {}", w.ToString());
      if (code == 0) code = 1;
    }
  }
  if (status.ok()) {
    spdlog::info("{} ({} ms){}", report_.status, report_.duration_ms,
                 report_path_.empty() ? "" : ", report " + report_path_);
  } else if (exit_code_is_state_ && status.code() == StatusCode::kPrecondition) {
    spdlog::info("{}", status.message());
    if (!status.hint().empty()) spdlog::info("next: {}", status.hint());
  } else {
    spdlog::error("{}", status.ToString());
    if (!status.hint().empty()) spdlog::error("hint: {}", status.hint());
  }
  return code;
}

}  // namespace bamort
