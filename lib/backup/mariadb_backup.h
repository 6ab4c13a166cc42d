// MariadbBackup: the server's own mariadb-backup and mbstream, shared by the physical
// backup (physical_backup.h) and the physical restore (physical_restore.h).
//
// A physical copy is only as good as the agreement between the copying tool and the
// server: InnoDB's redo log format changes between versions, so mariadb-backup must be
// the one built with the server (natively: installed beside it). FindMariadbBackup runs
// `mariadb-backup --version` and CheckSameVersion compares its X.Y.Z with the server's
// (SELECT VERSION(), or the version a set recorded): a difference is a precondition.
//
// The child processes run with argv (no shell), the password only in the memfd defaults
// file of ClientDefaults (client_process.h), their output in a log file in a folder the
// caller owns. StreamExtractor feeds an mbstream -x child, so a stream can be unpacked
// while it is being written (backup) or read back (restore). Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/JSON/Object.h>

#include "server/client_process.h"
#include "common/status.h"

namespace bamort {

struct MariadbBackupTool {
  std::string path;          // mariadb-backup
  std::string mbstream;      // mbstream beside it (or on PATH)
  std::string version;       // "10.11.19": X.Y.Z of the server it was built with
  std::string version_line;  // what --version printed
};

// given: the binary to use (--mariadb-backup) or "" for mariadb-backup on PATH (then
// /usr/bin, /usr/local/bin). kPrecondition when it is missing or prints no version.
Status FindMariadbBackup(const std::string& given, const std::string& log_dir, MariadbBackupTool* out);
// "10.11.19-MariaDB-0+deb12u1" -> "10.11.19"; "" when there is none.
std::string VersionNumber(const std::string& version);
// kPrecondition naming both versions (and what to do) when X.Y.Z differ.
Status CheckSameVersion(const MariadbBackupTool& tool, const std::string& server_version, const std::string& whose);

// Runs argv with stdout and stderr into log_file; ok on exit 0, else kFailed saying
// what failed with the log's last lines (redacted).
Status RunLogged(const std::vector<std::string>& argv, const std::string& log_file, const std::string& what,
                 const std::vector<std::string>& extra_env = {});
// mariadb-backup --prepare on an unpacked copy: afterwards dir is a data directory a
// mariadbd of the same version opens. kThrowaway (a backup's verify copy, deleted after the
// comparison) skips its fsync calls (server/throwaway_sync.h); a restore's copy is kDurable.
enum class CopyUse { kDurable, kThrowaway };
Status PrepareCopy(const MariadbBackupTool& tool, const std::string& dir, const std::string& log_file, CopyUse use);

// Where the copy stands in the source's history: InnoDB LSNs (xtrabackup_checkpoints)
// and, when the source writes a binlog, its file, position and GTID
// (mariadb_backup_binlog_info).
struct PhysicalPosition {
  uint64_t from_lsn = 0;
  uint64_t to_lsn = 0;
  uint64_t last_lsn = 0;
  std::string binlog_file;  // "" when the source has no binlog
  uint64_t binlog_pos = 0;
  std::string gtid;
  Poco::JSON::Object::Ptr ToJson() const;
};
// Reads the files mariadb-backup put into an unpacked copy; kFailed naming a missing one.
Status ReadPhysicalPosition(const std::string& dir, PhysicalPosition* out);

// mbstream -x -C dir, fed through Write().
class StreamExtractor {
 public:
  StreamExtractor() = default;
  StreamExtractor(const StreamExtractor&) = delete;
  StreamExtractor& operator=(const StreamExtractor&) = delete;

  Status Start(const MariadbBackupTool& tool, const std::string& dir, const std::string& log_name);
  Status Write(std::string_view data);
  int fd() const { return child_.fd(); }  // mbstream's stdin
  // Closes its stdin and waits: ok when mbstream unpacked everything.
  Status Finish();

 private:
  ChildProcess child_;
};

}  // namespace bamort
