#include "report/step_report.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/file_io.h"

namespace bamort {

namespace {
StepReport SampleReport() {
  StepReport r;
  r.run_id = "run-1";
  r.job = "backup";
  r.status = "ok";
  r.started_at = std::chrono::system_clock::now() - std::chrono::seconds(3);
  r.finished_at = std::chrono::system_clock::now();
  r.duration_ms = 3000;
  r.tool_version = "0.1.0";
  r.database.host = "db:3306";
  r.database.name = "bamort";
  r.database.version_before = "0.4.0";
  r.database.migration_number_before = 5;
  r.details->set("files", 3);
  r.warnings.push_back("Ümlaut warning");
  return r;
}
std::string Dir() { return ::testing::TempDir(); }
}  // namespace

TEST(StepReport, WriteThenReadRoundTrips) {
  std::string path = Dir() + "/r1.json";
  ASSERT_TRUE(WriteReport(SampleReport(), path).ok());
  StepReport back;
  ASSERT_TRUE(ReadReport(path, &back).ok());
  EXPECT_EQ(back.run_id, "run-1");
  EXPECT_EQ(back.job, "backup");
  EXPECT_EQ(back.database.name, "bamort");
  EXPECT_EQ(back.database.version_before.value_or(""), "0.4.0");
  EXPECT_FALSE(back.database.version_after.has_value());
  EXPECT_EQ(back.database.migration_number_before.value_or(-1), 5);
  EXPECT_EQ(back.details->getValue<int>("files"), 3);
  ASSERT_EQ(back.warnings.size(), 1u);
  EXPECT_EQ(back.warnings[0], "Ümlaut warning");
  EXPECT_FALSE(back.error.has_value());
}

TEST(StepReport, TruncatedFileIsBadInputNamingTheFile) {
  std::string text = SampleReport().ToJsonText();
  std::string path = Dir() + "/truncated.json";
  ASSERT_TRUE(WriteFileAtomic(path, text.substr(0, text.size() / 2)).ok());
  StepReport back;
  Status s = ReadReport(path, &back);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.exit_code(), 2);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

TEST(StepReport, MissingFieldIsNamed) {
  std::string path = Dir() + "/nofield.json";
  ASSERT_TRUE(WriteFileAtomic(path, "{\"report_version\": 1, \"job\": \"backup\"}").ok());
  StepReport back;
  Status s = ReadReport(path, &back);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("'run_id'"), std::string::npos) << s.message();
}

TEST(StepReport, ValidationRefusesMissingFailedForeignAndOtherRun) {
  ReportExpectation expect{"backup", "db:3306", "bamort", "run-1", std::nullopt, std::nullopt};
  StepReport out;
  EXPECT_EQ(ValidatePreviousReport(Dir() + "/does-not-exist.json", expect, &out).code(), StatusCode::kPrecondition);

  std::string path = Dir() + "/prev.json";
  StepReport r = SampleReport();
  ASSERT_TRUE(WriteReport(r, path).ok());
  EXPECT_TRUE(ValidatePreviousReport(path, expect, &out).ok());

  r.status = "failed";
  r.error = ReportError{"failed", "dump failed", ""};
  ASSERT_TRUE(WriteReport(r, path).ok());
  Status s = ValidatePreviousReport(path, expect, &out);
  EXPECT_EQ(s.code(), StatusCode::kPrecondition);
  EXPECT_NE(s.message().find("dump failed"), std::string::npos);

  r = SampleReport();
  r.database.name = "otherdb";
  ASSERT_TRUE(WriteReport(r, path).ok());
  EXPECT_EQ(ValidatePreviousReport(path, expect, &out).code(), StatusCode::kPrecondition);

  r = SampleReport();
  r.run_id = "run-2";
  ASSERT_TRUE(WriteReport(r, path).ok());
  EXPECT_EQ(ValidatePreviousReport(path, expect, &out).code(), StatusCode::kPrecondition);

  r = SampleReport();
  r.finished_at = std::chrono::system_clock::now() - std::chrono::hours(48);
  ASSERT_TRUE(WriteReport(r, path).ok());
  expect.max_age_seconds = 86400;
  EXPECT_EQ(ValidatePreviousReport(path, expect, &out).code(), StatusCode::kPrecondition);
}

}  // namespace bamort
