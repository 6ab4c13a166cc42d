// StepReport: the JSON report every job writes, and the only way jobs talk to each
// other (deploy.sh and Kubernetes chain them through these files and exit codes).
// docs/REPORTS.md describes every field. Reports are written atomically (temp file +
// rename) and passed through common/secrets' Redact() first, so a password cannot end
// up in one even by accident.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "common/clock.h"
#include "common/status.h"

namespace bamort {

struct ReportDatabase {
  std::string host;
  std::string name;
  std::optional<std::string> version_before;
  std::optional<std::string> version_after;
  std::optional<int64_t> migration_number_before;
  std::optional<int64_t> migration_number_after;
};

struct ReportError {
  std::string code;  // ok|failed|bad_input|precondition|dirty (Status::CodeName)
  std::string message;
  std::string hint;
};

struct StepReport {
  static constexpr int kReportVersion = 1;

  int report_version = kReportVersion;
  std::string run_id;
  std::string job;       // "migrate", "backup", ...
  // ok|warning|failed|skipped, or running: written when the job starts and replaced when
  // it ends, so a killed job leaves "running" (never the previous run's verdict).
  std::string status;
  int exit_code = 0;
  SystemTime started_at{};
  SystemTime finished_at{};
  int64_t duration_ms = 0;
  std::string tool_version;
  std::string backend_version;
  ReportDatabase database;
  Poco::JSON::Object::Ptr inputs = new Poco::JSON::Object(true);
  Poco::JSON::Object::Ptr outputs = new Poco::JSON::Object(true);
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object(true);
  std::vector<std::string> warnings;
  std::optional<ReportError> error;

  Poco::JSON::Object::Ptr ToJson() const;
  std::string ToJsonText() const;  // pretty, redacted
};

// Atomic write: a reader sees the old report or the complete new one.
Status WriteReport(const StepReport& report, const std::string& path);
// Before a job does anything: the report's folder exists (or is created) and a file can
// be created in it. A job that changes the database and then cannot write its report
// would otherwise end with a failure after the change. kBadInput naming the folder.
Status CheckReportWritable(const std::string& path);
// kBadInput naming the file for anything that is not a complete report (truncated,
// not JSON, a field missing or of the wrong type, an unknown report_version).
Status ReadReport(const std::string& path, StepReport* out);
Status ParseReport(const std::string& text, const std::string& source_name, StepReport* out);

// What a job expects of the report of the step before it.
struct ReportExpectation {
  std::string job;       // required job name, e.g. "backup"; empty: any
  std::string db_host;   // must match unless empty
  std::string db_name;   // must match unless empty
  std::string run_id;    // must match unless empty
  std::optional<int64_t> max_age_seconds;  // finished at most this long ago
  std::optional<SystemTime> now;           // the clock (default: the system clock)
};

// How far a report's finished_at may lie ahead of this host's clock (hosts of one
// deployment disagree by a little; a report from 2199 is refused).
inline constexpr int64_t kReportClockSkewSeconds = 300;

// Missing file, failed, skipped or still running report, an exit code other than 0 or an
// error beside status ok, a finish in the future or before the start, other job, other
// database, other run, too old: kPrecondition naming what is wrong. A damaged file
// (including a field name that appears twice): kBadInput.
Status ValidatePreviousReport(const std::string& path, const ReportExpectation& expect, StepReport* out);

}  // namespace bamort
