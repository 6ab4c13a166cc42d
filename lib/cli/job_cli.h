// JobCli and JobRun: what every bamort-* executable shares, so each jobs/*/main.cc
// stays a thin main(): declare the job's flags, parse, call one function in lib/, and
// return JobRun::Finish(status).
//
// JobCli parses flags (--name VALUE or --name=VALUE) and prints --help/--version.
// JobRun is one execution: logging, the step report (inputs, outputs, details, timing)
// and the mapping of the final Status onto the exit code and report status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/db_config.h"
#include "report/step_report.h"

namespace bamort {

class JobCli;

// The handle of one declared flag, returned by JobCli::AddSwitch/AddText/AddInt. It reads the
// flag it was declared as: no name is written at the read site, so a misspelt flag cannot
// compile, and what a flag means (value name, help, an int's default and range) is written
// once, at its declaration. The JobCli must outlive its handles (it is not copyable).
// A default-constructed handle is a flag this job does not have: a switch or text reads as
// not given (for shared readers such as ImportOptionsFromFlags, where some jobs declare fewer
// flags); an int has no default to read, so reading one throws (check declared() first).
class FlagHandle {
 public:
  FlagHandle() = default;
  bool declared() const { return cli_ != nullptr; }
  // Given on the command line.
  bool given() const;
  // "lock-timeout" (without the dashes), for messages; "" when not declared.
  const std::string& name() const;

 protected:
  friend class JobCli;
  FlagHandle(const JobCli* cli, size_t index) : cli_(cli), index_(index) {}
  const std::string* Value() const;  // nullptr when not given

  const JobCli* cli_ = nullptr;
  size_t index_ = 0;
};

class SwitchFlag : public FlagHandle {
 public:
  SwitchFlag() = default;
  bool on() const { return given(); }

 private:
  friend class JobCli;
  using FlagHandle::FlagHandle;
};

class TextFlag : public FlagHandle {
 public:
  TextFlag() = default;
  std::optional<std::string> value() const;
  std::string value_or(const std::string& fallback) const;

 private:
  friend class JobCli;
  using FlagHandle::FlagHandle;
};

// A whole number with the default and range it was declared with.
class IntFlag : public FlagHandle {
 public:
  IntFlag() = default;
  // The value, or the declared default when not given; kBadInput naming the flag when it is
  // not a whole number in the declared range. std::logic_error when not declared (it read 0,
  // which for --lock-timeout means "try once").
  Status Read(int64_t* out) const;
  Status Read(int* out) const;
  int64_t fallback() const { return fallback_; }

 private:
  friend class JobCli;
  IntFlag(const JobCli* cli, size_t index, int64_t fallback, int64_t min, int64_t max)
      : FlagHandle(cli, index), fallback_(fallback), min_(min), max_(max) {}
  int64_t fallback_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

class JobCli {
 public:
  // job is the name without the prefix ("migrate"); description is free text for --help.
  JobCli(std::string job, std::string summary, std::string description);
  JobCli(const JobCli&) = delete;  // handles point at it
  JobCli& operator=(const JobCli&) = delete;

  // Declaring a flag (docs/ARCHITECTURE.md, "Adding a flag"): each returns the handle the job
  // reads it through. A name declared twice, a name that is not lower-case words joined by
  // '-', an empty help, a default outside its range or a declaration after Parse throws
  // std::logic_error: the job fails at start-up, which CliHelp (every job's --help) catches.
  [[nodiscard]] SwitchFlag AddSwitch(const std::string& name, const std::string& help);
  [[nodiscard]] TextFlag AddText(const std::string& name, const std::string& value_name, const std::string& help);
  [[nodiscard]] IntFlag AddInt(const std::string& name, const std::string& value_name, const std::string& help,
                               int64_t fallback, int64_t min, int64_t max);

  // Adds --db-host/--db-port/--db-name/--db-user/--db-password-file and their help.
  JobCli& WithDatabase();
  // Adds --dry-run ("show what would change, change nothing").
  JobCli& WithDryRun(const std::string& help = "show what would be done and change nothing");
  // Accept positional arguments, described in the usage line.
  JobCli& Positional(const std::string& usage);

  // false means: stop now and exit with *exit_code (0 after --help/--version, 2 after
  // bad usage, with the message already printed).
  bool Parse(int argc, char** argv, int* exit_code);

  const std::vector<std::string>& positional() const { return positional_; }
  const std::string& job() const { return job_; }
  bool dry_run() const { return dry_run_.on(); }
  DbFlags db_flags() const;  // all empty for a job without WithDatabase()
  std::string HelpText() const;
  // The flags every job has, read by JobRun.
  struct CommonFlags {
    SwitchFlag help, version, verbose;
    TextFlag report, reports_dir, run_id, env_file, log_format;
  };
  const CommonFlags& common() const { return common_; }

 private:
  friend class FlagHandle;
  struct Spec {
    std::string name;
    std::string value_name;  // empty: a switch
    std::string help;
    std::string group;
    std::optional<std::string> value;  // given on the command line ("" for a switch)
  };
  size_t Add(const std::string& name, const std::string& value_name, const std::string& help,
             const std::string& group);
  Spec* Find(const std::string& name);
  const Spec* Find(const std::string& name) const { return const_cast<JobCli*>(this)->Find(name); }
  const std::string* ValueOf(size_t index) const;
  bool ParseOne(const std::string& program, int argc, char** argv, int* i, int* exit_code);

  std::string job_;
  std::string summary_;
  std::string description_;
  std::string positional_usage_;
  bool with_database_ = false;
  bool parsed_ = false;
  std::vector<Spec> specs_;
  std::vector<std::string> positional_;
  CommonFlags common_;
  SwitchFlag dry_run_;
  TextFlag db_host_, db_port_, db_name_, db_user_, db_password_file_;
};

// What --version prints: tool, backend and required DB versions, commit and build.
std::string VersionText(const std::string& program);

class JobRun {
 public:
  explicit JobRun(const JobCli& cli);

  // Logging, --env-file and report set-up; a bad --log-format, --report or environment
  // file is kBadInput.
  Status Start();
  // Loads the DB config (environment, then flags) and records host and name in the
  // report. Pass require_name=false for jobs that can work without a database name.
  Status LoadDb(DbConfig* out, bool require_name = true);

  StepReport& report() { return report_; }
  const std::string& run_id() const { return report_.run_id; }
  const std::string& report_job() const { return report_.job; }
  void Warn(const std::string& message);
  // The job's exit code 3 reports a state of the database, not a failure of the job
  // (bamort-status on a database that is behind): Finish logs it at info level and the
  // report's status is "warning", with the state in error as usual.
  void ExitCodeIsAState() { exit_code_is_state_ = true; }

  // Fills status, error, timing and exit code into the report, writes it (when a
  // path is known), logs a one-line outcome, and returns the exit code.
  int Finish(const Status& status);

 private:
  // Reads the dotenv file and sets its variables where the environment has none.
  Status LoadEnvFile(const std::string& path);

  const JobCli& cli_;
  StepReport report_;
  std::string report_path_;
  std::string reports_dir_;
  bool exit_code_is_state_ = false;
};

}  // namespace bamort
