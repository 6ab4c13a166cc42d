#include "cli/logging.h"

#include <cstdio>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/json_text.h"
#include "common/secrets.h"
#include "common/utf8.h"

namespace bamort {

namespace {

class RedactingFormatter : public spdlog::formatter {
 public:
  RedactingFormatter(std::string job, bool json) : job_(std::move(job)), json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string text = Redact(std::string(msg.payload.data(), msg.payload.size()));
    std::string time = FormatRfc3339(std::chrono::time_point_cast<std::chrono::system_clock::duration>(msg.time));
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line;
    if (json_) {
      line = "{\"time\":\"" + time + "\",\"level\":\"" + std::string(level.data(), level.size()) + "\",\"job\":\"" +
             JsonEscape(job_) + "\",\"msg\":\"" + JsonEscape(ReplaceInvalidUtf8(text)) + "\"}\n";
    } else {
      line = time + " " + job_ + " " + std::string(level.data(), level.size()) + ": " + text + "\n";
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingFormatter>(job_, json_);
  }

 private:
  std::string job_;
  bool json_;
};

}  // namespace

Status SetupLogging(const std::string& job, const std::string& format, bool verbose) {
  if (format != "text" && format != "json") {
    return Status::BadInput("--log-format: expected text or json, got '" + format + "'");
  }
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(std::make_unique<RedactingFormatter>(job, format == "json"));
  auto logger = std::make_shared<spdlog::logger>(job, sink);
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

}  // namespace bamort
