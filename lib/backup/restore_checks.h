// RestoreChecks: what a restore checks before its first destructive statement, beyond
// the manifest and the sha256 of the files (manifest.h): that the file it will load
// holds the tables and row counts the manifest names (an edited manifest or a set
// assembled from two backups is refused, not found out after the database was
// dropped), and that the user holds every privilege the statements of the restore need
// on the target (a user who may DROP but not CREATE would otherwise leave it empty).
//
// ScanSqlDump reads the gzip dump once with the parser the backup used to count the
// rows (dump_stream.h), and notes from the starts of the lines outside the data which
// kinds of statements the dump will run; ScanJsonExport counts the row lines of each
// table of the JSON export and checks them against the export's own end lines and
// trailer. Both are kBadInput naming the file on anything malformed. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "backup/manifest.h"
#include "common/status.h"
#include "db/connection.h"

namespace bamort {

struct SetContent {
  std::map<std::string, uint64_t> rows;  // base tables with their rows, as the file holds them
  // The privileges (as information_schema spells them) the file's statements need,
  // beyond CREATE and INSERT: "DROP", "ALTER", "LOCK TABLES", "CREATE VIEW", "TRIGGER",
  // "CREATE ROUTINE", "EVENT".
  std::set<std::string> needs;
  std::vector<std::string> views;  // views the file creates
  std::set<std::string> definers;  // "user@host" of the DEFINER clauses (views, triggers, routines, events)
  uint64_t bytes = 0;              // uncompressed bytes read
};

// on_compressed, when given, sees every byte of the (compressed) file as it is read, so
// the restore hashes the file in the same pass (restore.h).
Status ScanSqlDump(const std::string& path, SetContent* out,
                   const std::function<void(std::string_view)>& on_compressed = {});
Status ScanJsonExport(const std::string& path, SetContent* out,
                      const std::function<void(std::string_view)>& on_compressed = {});

// The manifest's tables and row counts against the file's: kBadInput naming the file,
// the table and both counts for the first difference; every difference in *differences.
Status CheckContentAgainstManifest(const Manifest& manifest, const std::string& file_name, const SetContent& content,
                                   std::vector<std::string>* differences);

struct RestorePrivilegeNeeds {
  bool create_database = false;  // the target does not exist yet
  bool drop_routines = false;    // ... routines
  bool drop_events = false;      // ... events
};

// Every privilege the restore's statements need on database, in a fixed order. CREATE,
// DROP and INSERT always: a restore empties its target (also of what an interrupted
// restore left) and fills it.
std::vector<std::string> RestorePrivileges(const SetContent& content, const RestorePrivilegeNeeds& needs);

// kPrecondition naming what the user lacks on database (nothing changed); a check that
// cannot tell (roles, table grants) is a warning in *unknown and not a refusal. An
// object whose DEFINER is another user than the restoring one can only be created with
// SET USER (or SUPER): that is checked too.
Status CheckRestorePrivileges(Connection* conn, const std::string& database, const std::vector<std::string>& needed,
                              const std::set<std::string>& definers, std::string* unknown);

}  // namespace bamort
