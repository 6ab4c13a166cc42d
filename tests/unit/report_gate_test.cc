// The report checks of issue 19 item 6a that need no database: duplicate member names,
// the "running" report a job leaves when it is killed, exit codes and errors beside
// status ok, and times in the future or before the start.
#include <gtest/gtest.h>

#include "common/file_io.h"
#include "report/step_report.h"

namespace bamort {
namespace {

StepReport Ok() {
  StepReport r;
  r.run_id = "run-1";
  r.job = "backup";
  r.status = "ok";
  r.started_at = std::chrono::system_clock::now() - std::chrono::seconds(3);
  r.finished_at = std::chrono::system_clock::now();
  r.tool_version = "0.1.0";
  r.database.host = "db:3306";
  r.database.name = "bamort";
  return r;
}

Status Validate(const StepReport& r, const std::string& name) {
  std::string path = ::testing::TempDir() + "/gate-" + name + ".json";
  EXPECT_TRUE(WriteReport(r, path).ok());
  ReportExpectation expect;
  expect.job = "backup";
  expect.db_name = "bamort";
  StepReport out;
  return ValidatePreviousReport(path, expect, &out);
}

TEST(ReportGate, DuplicateMemberNamesAreBadInputNamingTheField) {
  std::string text = Ok().ToJsonText();
  StepReport out;
  ASSERT_TRUE(ParseReport(text, "r.json", &out).ok());
  std::string twice = text;
  twice.insert(twice.find('{') + 1, "\"status\": \"failed\",");
  Status s = ParseReport(twice, "r.json", &out);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("r.json: field 'status' appears more than once"), std::string::npos) << s.message();
  std::string nested = text;
  nested.insert(nested.find("\"host\""), "\"name\": \"other\", ");
  s = ParseReport(nested, "r.json", &out);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("'database.name'"), std::string::npos) << s.message();
}

TEST(ReportGate, RunningReportHasNoExitCodeAndIsNotAcceptedAsDone) {
  StepReport r = Ok();
  r.status = "running";
  EXPECT_NE(r.ToJsonText().find("\"exit_code\": null"), std::string::npos) << r.ToJsonText();
  StepReport back;
  ASSERT_TRUE(ParseReport(r.ToJsonText(), "r.json", &back).ok());
  EXPECT_EQ(back.status, "running");
  Status s = Validate(r, "running");
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  EXPECT_NE(s.message().find("has not finished"), std::string::npos) << s.message();
}

TEST(ReportGate, ExitCodeOrErrorBesideStatusOkIsRefused) {
  StepReport r = Ok();
  EXPECT_TRUE(Validate(r, "fine").ok());
  r.exit_code = 1;
  Status s = Validate(r, "exit1");
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  EXPECT_NE(s.message().find("exit_code 1"), std::string::npos) << s.message();
  r = Ok();
  r.error = ReportError{"failed", "dump failed", ""};
  EXPECT_EQ(Validate(r, "error").code(), StatusCode::kPrecondition);
}

TEST(ReportGate, TimesInTheFutureOrBeforeTheStartAreRefused) {
  StepReport r = Ok();
  ASSERT_TRUE(ParseRfc3339("2199-01-01T00:00:00Z", &r.finished_at));
  Status s = Validate(r, "future");
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  EXPECT_NE(s.message().find("in the future"), std::string::npos) << s.message();
  // A little skew between hosts is allowed.
  r = Ok();
  r.finished_at = std::chrono::system_clock::now() + std::chrono::seconds(kReportClockSkewSeconds / 2);
  EXPECT_TRUE(Validate(r, "skew").ok());
  r = Ok();
  r.started_at = r.finished_at + std::chrono::seconds(10);
  s = Validate(r, "backwards");
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  EXPECT_NE(s.message().find("before it started"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace bamort
