// bamort-health as a job: its flags onto HealthOptions, the stop signals, and the
// HealthResult onto the report written at shutdown (requests served by HTTP status,
// database reads, the last known state). The server's life from start to stop is
// lib/health/health_service.h.
#pragma once

#include "cli/job_cli.h"

namespace bamort {

// bamort-health's flags, declared once (the constructor adds them to cli).
struct HealthFlags {
  explicit HealthFlags(JobCli* cli);
  TextFlag listen;
  IntFlag refresh, rate_limit, rate_burst;
  TextFlag backups_dir, trusted_proxy;
  IntFlag max_threads, max_connections, max_connections_per_client, header_timeout, keep_alive_timeout,
      max_keep_alive_requests;
  TextFlag migrations_dir;
};

// Serves until SIGTERM or SIGINT, then stops gracefully; Ok means a clean shutdown.
Status RunHealth(const JobCli& cli, const HealthFlags& flags, JobRun* run);

}  // namespace bamort
