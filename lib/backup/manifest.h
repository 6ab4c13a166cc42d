// Manifest: manifest.json of a backup set, the description a restore trusts. It names
// the database and its version, the tool that made the set, every file with its
// SHA-256 and size, and every table with its row count and CHECKSUM TABLE value. It is
// the last file written into a set, so a folder with a valid manifest is a complete set
// (see backup_set.h). docs/BACKUP.md describes every field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "backup/table_stats.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/status.h"

namespace bamort {

struct ManifestFile {
  std::string name;  // a plain file name inside the set folder
  std::string role;  // "sql-dump" or "json-export"; "physical-stream" in a physical set
  std::string sha256;
  uint64_t size = 0;
  uint64_t uncompressed_size = 0;
};

struct Manifest {
  static constexpr const char* kFormat = "bamort-backup-set";
  static constexpr int kFormatVersion = 1;

  static constexpr const char* kLogical = "logical";
  static constexpr const char* kPhysical = "physical";

  // "logical" (SQL dump + JSON export) or "physical" (mariadb-backup's stream,
  // physical_backup.h); a manifest without the field is logical (written before it).
  std::string kind = kLogical;
  std::string set_name;
  SystemTime created_at{};
  std::string run_id;
  std::string db_host;  // "host:port"
  std::string db_name;
  std::optional<std::string> db_version;  // null: no version tables (legacy)
  int64_t migration_number = 0;
  std::string server_version;
  std::string tool_version;
  std::string backend_version;
  std::vector<ManifestFile> files;
  TableStats tables;
  bool verified = false;
  Poco::JSON::Object::Ptr verification;  // null unless --verify ran
  Poco::JSON::Object::Ptr physical;      // physical sets: tool, position, compression

  const ManifestFile* FindRole(const std::string& role) const;
  uint64_t TotalSize() const;
  Poco::JSON::Object::Ptr ToJson() const;
  std::string ToJsonText() const;
};

// kBadInput naming the file and field for anything that is not a manifest of ours.
Status ParseManifest(const std::string& text, const std::string& source_name, Manifest* out);
Status ReadManifest(const std::string& path, Manifest* out, Env* env = Env::Default());

// "" when a file's size and SHA-256 are the manifest's, else "<file>: <what differs>".
std::string FileProblem(const ManifestFile& file, const std::string& sha256_hex, uint64_t size);

// Checks every file of the manifest in set_dir: present, same size, same SHA-256.
// kBadInput naming the first bad file; problems lists all of them.
Status CheckSetFiles(const std::string& set_dir, const Manifest& manifest, std::vector<std::string>* problems);

}  // namespace bamort
