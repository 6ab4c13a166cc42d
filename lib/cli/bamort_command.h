// The `bamort` front door: `bamort <job> [args...]` runs `bamort-<job> [args...]`, found
// next to the bamort executable itself (/proc/self/exe), else on PATH. It only chooses the
// program and its arguments; everything else (flags, reports, exit codes) is the job's.
// The plan's spellings map onto it: `bamort status`, `bamort backup list` (=
// `bamort-backup --list`), `bamort restore --backup SET`, `bamort rollback --steps 2`;
// `bamort history` is `bamort-status --history`.
// `bamort help [job]`, `bamort --help` and `bamort --version` are answered here.
// Exit codes: the job's own when it ran; 0 after help; 2 for no or an unknown job (with
// the list); 1 when the job's program cannot be found or started.
#pragma once

#include <string>
#include <vector>

namespace bamort {

struct JobEntry {
  std::string name;     // "backup" runs bamort-backup
  std::string summary;  // one line for the list
};

// Every job the image installs, in the order of a deployment.
const std::vector<JobEntry>& KnownJobs();

// What `bamort ARGS...` asks for.
struct BamortRequest {
  enum class Kind { kRunJob, kHelp, kVersion, kNoJob, kUnknownJob };
  Kind kind = Kind::kNoJob;
  std::string job;                // kRunJob: the job; kUnknownJob: what was asked for
  std::vector<std::string> args;  // kRunJob: the job's arguments, aliases resolved
};

// args without argv[0].
BamortRequest ResolveBamortRequest(const std::vector<std::string>& args);

// The list of jobs with their summaries, for help and errors.
std::string BamortHelpText();

// The path of bamort-<job>: in self_dir when executable there, else the first PATH entry
// that holds it; "" when neither. Empty PATH entries (the current folder) are skipped.
std::string FindJobProgram(const std::string& job, const std::string& self_dir, const std::string& path_env);

// main() of `bamort`: resolves, prints help or execs the job; returns only on help,
// errors, or when the exec failed.
int RunBamortCommand(int argc, char** argv);

}  // namespace bamort
