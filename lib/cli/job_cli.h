// JobCli and JobRun: what every bamort-* executable shares, so each jobs/*/main.cc
// stays a thin main(): declare the job's flags, parse, call one function in lib/, and
// return JobRun::Finish(status).
//
// JobCli parses flags (--name VALUE or --name=VALUE) and prints --help/--version.
// JobRun is one execution: logging, the step report (inputs, outputs, details, timing)
// and the mapping of the final Status onto the exit code and report status.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/db_config.h"
#include "report/step_report.h"

namespace bamort {

class JobCli {
 public:
  // job is the name without the prefix ("migrate"); description is free text for --help.
  JobCli(std::string job, std::string summary, std::string description);

  JobCli& Flag(const std::string& name, const std::string& value_name, const std::string& help);
  JobCli& Switch(const std::string& name, const std::string& help);
  // Adds --db-host/--db-port/--db-name/--db-user/--db-password-file and their help.
  JobCli& WithDatabase();
  // Adds --dry-run ("show what would change, change nothing").
  JobCli& WithDryRun(const std::string& help = "show what would be done and change nothing");
  // Accept positional arguments, described in the usage line.
  JobCli& Positional(const std::string& usage);

  // false means: stop now and exit with *exit_code (0 after --help/--version, 2 after
  // bad usage, with the message already printed).
  bool Parse(int argc, char** argv, int* exit_code);

  // Reading a flag the job did not declare is a programming error (a misspelt name would
  // otherwise read as "not given"): Has, Get, GetOr and GetInt throw std::logic_error
  // naming it, which RunJob turns into a failed report (exit 1).
  bool Declares(const std::string& name) const;
  bool Has(const std::string& name) const;
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  // kBadInput naming the flag when the value is not a whole number in [min, max].
  Status GetInt(const std::string& name, int64_t fallback, int64_t min, int64_t max, int64_t* out) const;
  const std::vector<std::string>& positional() const { return positional_; }
  const std::string& job() const { return job_; }
  bool dry_run() const { return Declares("dry-run") && Has("dry-run"); }
  DbFlags db_flags() const;  // all empty for a job without WithDatabase()
  std::string HelpText() const;

 private:
  struct Spec {
    std::string name;
    std::string value_name;  // empty: a switch
    std::string help;
    std::string group;
  };
  void Add(const std::string& name, const std::string& value_name, const std::string& help, const std::string& group);
  const Spec* Find(const std::string& name) const;
  const Spec& Declared(const std::string& name) const;  // throws std::logic_error

  std::string job_;
  std::string summary_;
  std::string description_;
  std::string positional_usage_;
  bool with_database_ = false;
  std::vector<Spec> specs_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

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
  // Where the report of another job of this run is expected: --previous when given,
  // else <reports dir>/<job>.json; empty when neither is known.
  std::string PreviousReportPath(const std::string& job) const;
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
