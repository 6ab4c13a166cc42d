#include "cli/bamort_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/job_cli.h"

namespace bamort {

const std::vector<JobEntry>& KnownJobs() {
  static const std::vector<JobEntry> jobs = {
      {"status", "versions, compatibility, pending migrations, dirty state, lock holder (exit 3: incompatible)"},
      {"backup", "verified backup set (SQL dump, JSON export, manifest) and retention; `bamort backup list`"},
      {"restore", "restore a backup set after checking its manifest (--backup SET)"},
      {"migrate", "apply pending migrations under the deployment lock (--dry-run prints the SQL)"},
      {"rollback", "undo migrations (--steps N or --to-version X.Y.Z)"},
      {"export-masterdata", "export the master data (format 2.0)"},
      {"prepare", "build a deployment package (master data, metadata, checksums)"},
      {"import-masterdata", "import master data by natural key, all or nothing"},
      {"validate", "compare the live schema with the expected one; data and version-table checks"},
      {"init", "new install: schema, version tracking, master data, admin user"},
      {"health", "HTTP server: /api/system/health, /api/system/version, /metrics"},
  };
  return jobs;
}

namespace {

bool IsKnownJob(const std::string& name) {
  for (const JobEntry& j : KnownJobs()) {
    if (j.name == name) return true;
  }
  return false;
}

std::string SelfDirectory() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool IsExecutableFile(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

BamortRequest ResolveBamortRequest(const std::vector<std::string>& args) {
  BamortRequest r;
  if (args.empty()) return r;  // kNoJob
  const std::string& first = args[0];
  if (first == "help" || first == "--help" || first == "-h") {
    // `bamort help JOB` is the job's own --help.
    if (first == "help" && args.size() > 1) {
      r.kind = IsKnownJob(args[1]) ? BamortRequest::Kind::kRunJob : BamortRequest::Kind::kUnknownJob;
      r.job = args[1];
      if (r.kind == BamortRequest::Kind::kRunJob) r.args = {"--help"};
      return r;
    }
    r.kind = BamortRequest::Kind::kHelp;
    return r;
  }
  if (first == "--version" || first == "version") {
    r.kind = BamortRequest::Kind::kVersion;
    return r;
  }
  if (first == "history") {  // Flyway's `info`: the migration history
    r.kind = BamortRequest::Kind::kRunJob;
    r.job = "status";
    r.args = {"--history"};
    r.args.insert(r.args.end(), args.begin() + 1, args.end());
    return r;
  }
  std::string job = first.rfind("bamort-", 0) == 0 ? first.substr(7) : first;
  if (!IsKnownJob(job)) {
    r.kind = BamortRequest::Kind::kUnknownJob;
    r.job = first;
    return r;
  }
  r.kind = BamortRequest::Kind::kRunJob;
  r.job = job;
  r.args.assign(args.begin() + 1, args.end());
  // The plan's `deploy backup list`: a word where the job takes a switch.
  if (job == "backup" && !r.args.empty() && r.args[0] == "list") r.args[0] = "--list";
  return r;
}

std::string BamortHelpText() {
  std::string out =
      "bamort - runs one of the bamort-* jobs: bamort <job> [flags...] is bamort-<job> [flags...]\n\n"
      "Usage: bamort <job> [flags...]\n"
      "       bamort help <job>        the job's --help\n"
      "       bamort history [--json]  the migration history (bamort-status --history)\n"
      "       bamort --version\n\n"
      "Jobs:\n";
  for (const JobEntry& j : KnownJobs()) {
    std::string left = "  " + j.name;
    if (left.size() < 21) left.resize(21, ' ');
    out += left + j.summary + "\n";
  }
  out +=
      "\nExamples: bamort status, bamort backup --verify, bamort backup list, bamort restore --backup SET,\n"
      "bamort migrate --dry-run, bamort rollback --steps 2. Configuration: docs/CONFIGURATION.md.\n"
      "Exit codes are the job's: 0 done, 1 failed (nothing changed), 2 bad usage, 3 precondition not met,\n"
      "4 failed after changing the database. bamort itself: 2 for an unknown job, 1 when the job's\n"
      "program is not installed.\n";
  return out;
}

std::string FindJobProgram(const std::string& job, const std::string& self_dir, const std::string& path_env) {
  const std::string program = "bamort-" + job;
  if (!self_dir.empty() && IsExecutableFile(self_dir + "/" + program)) return self_dir + "/" + program;
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (!dir.empty() && IsExecutableFile(dir + "/" + program)) return dir + "/" + program;
    start = end + 1;
  }
  return "";
}

int RunBamortCommand(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  BamortRequest r = ResolveBamortRequest(args);
  switch (r.kind) {
    case BamortRequest::Kind::kHelp:
      std::cout << BamortHelpText();
      return 0;
    case BamortRequest::Kind::kVersion:
      std::cout << VersionText("bamort");
      return 0;
    case BamortRequest::Kind::kNoJob:
      std::cerr << "bamort: name a job\n\n" << BamortHelpText();
      return 2;
    case BamortRequest::Kind::kUnknownJob:
      std::cerr << "bamort: unknown job '" << r.job << "'\n\n" << BamortHelpText();
      return 2;
    case BamortRequest::Kind::kRunJob:
      break;
  }
  const char* path_env = std::getenv("PATH");
  std::string program = FindJobProgram(r.job, SelfDirectory(), path_env ? path_env : "");
  if (program.empty()) {
    std::cerr << "bamort: bamort-" << r.job << " is not installed: neither next to bamort (" << SelfDirectory()
              << ") nor on PATH\n";
    return 1;
  }
  std::vector<std::string> job_argv = {"bamort-" + r.job};
  job_argv.insert(job_argv.end(), r.args.begin(), r.args.end());
  std::vector<char*> c_argv;
  for (std::string& a : job_argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  ::execv(program.c_str(), c_argv.data());
  std::cerr << "bamort: cannot start " << program << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace bamort
