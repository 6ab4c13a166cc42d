// DumpVerifier: bamort-backup --verify. Loads a backup set's SQL dump into a database
// nobody uses and compares every table with what the source held in the dump's
// snapshot: row count and content hash (table_stats.h, ContentHashSql), the same SELECT
// on both sides, because the two servers need not run the same MariaDB version.
//
// Where the dump is loaded (docs/BACKUP.md, docs/DECISIONS.md):
//   private-server  a throwaway mariadbd the job starts itself (private_server.h); needs
//                   mariadbd and mariadb-install-db where the job runs (always in the
//                   image) and no privilege on production; keeps the load off
//                   production's buffer pool. The default whenever it is possible.
//   scratch-schema  a database bamort_verify_<hash> on the production server; needs
//                   CREATE and DROP for it, which the official image's user lacks.
// Prepare() decides and prepares before anything is dumped, so a job that cannot verify
// is refused (kPrecondition) before it does any work. The destructor stops the server
// or drops the scratch schema on every path.
// Not thread-safe; the owner must be the job's main thread (private_server.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "server/private_server.h"
#include "backup/table_stats.h"
#include "common/status.h"
#include "config/db_config.h"
#include "db/connection.h"

namespace bamort {

enum class VerifyWhere { kAuto, kPrivateServer, kScratchSchema };

// "auto", "private", "scratch"; kBadInput otherwise.
Status ParseVerifyWhere(const std::string& text, VerifyWhere* out);

struct VerifyOptions {
  VerifyWhere where = VerifyWhere::kAuto;
  PrivateServerOptions server;
  DbConfig source;           // the production server (for the scratch schema)
  std::string scratch_name;  // bamort_verify_<something unique>
  // Test builds only: runs on the loaded copy before the comparison, standing in for a
  // dump that restores to different contents.
  std::function<Status(Connection* copy, const std::string& database)> after_load;
};

struct VerifyResult {
  std::string method;          // "private-server" or "scratch-schema"
  std::string server_version;  // of the server the dump was loaded into
  std::string scratch_database;
  std::vector<std::string> differences;
  uint64_t tables_compared = 0;
  int64_t start_ms = 0;  // waiting for the private server
  int64_t load_ms = 0;
  int64_t compare_ms = 0;
  int64_t duration_ms = 0;
  bool equal() const { return differences.empty(); }
  Poco::JSON::Object::Ptr ToJson() const;
};

class DumpVerifier {
 public:
  explicit DumpVerifier(VerifyOptions options) : options_(std::move(options)) {}
  ~DumpVerifier() { Cleanup(); }
  DumpVerifier(const DumpVerifier&) = delete;
  DumpVerifier& operator=(const DumpVerifier&) = delete;

  // Before the dump. source: a connection of the job's user to production (for the
  // scratch schema's probe). kPrecondition names what is missing and both ways out.
  Status Prepare(Connection* source);
  // "private-server" or "scratch-schema" once prepared.
  const std::string& method() const { return method_; }
  // After the dump: loads dump_path, compares with expected (rows and content_hash of
  // the source), then stops the server or drops the schema. Ok with differences in
  // result means the dump does not restore to the source's contents.
  Status Verify(const std::string& dump_path, const TableStats& expected, VerifyResult* result);

 private:
  Status Compare(const DbConfig& where, const std::string& database, const TableStats& expected, VerifyResult* result);
  void Cleanup();

  VerifyOptions options_;
  std::string method_;
  PrivateServer server_;
  std::unique_ptr<Connection> scratch_owner_;  // created the scratch schema; drops it
};

}  // namespace bamort
