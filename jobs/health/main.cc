// bamort-health: serves /api/system/health, /api/system/version and /metrics until
// SIGTERM or SIGINT; the report is written at shutdown.
#include "app/health_job.h"
#include "app/job_support.h"

int main(int argc, char** argv) {
  bamort::JobCli cli(
      "health", "serve the health, version and metrics endpoints",
      "An HTTP server for Bamort's frontend and monitoring: GET /api/system/health (200 ok, 200\n"
      "warning while migrations are pending, 503 error when the database is ahead, dirty or\n"
      "unreachable), GET /api/system/version and GET /metrics (Prometheus). Public and read-only;\n"
      "rate-limited per client IP (429 with Retry-After). The database is read at most once per\n"
      "--refresh seconds, however many requests arrive. Stops gracefully on SIGTERM/SIGINT and\n"
      "writes its report then (requests served by HTTP status). See docs/HEALTH.md.");
  cli.WithDatabase();
  bamort::HealthFlags flags(&cli);
  int exit_code = 0;
  if (!cli.Parse(argc, argv, &exit_code)) return exit_code;
  bamort::JobRun run(cli);
  return bamort::RunJob(&run, [&] { return bamort::RunHealth(cli, flags, &run); });
}
