// The deployment package: a tar.gz with masterdata/ (a format-2.0 directory),
// metadata.json (versions, time, records per entity) and checksums.txt (sha256 of every
// other file, sha256sum format), written and read with libarchive.
//
// Reading is defensive: the whole archive is read into memory (nothing is extracted to
// disk); an entry that is not a regular file or directory (symlink, hard link, device,
// FIFO), an absolute path or a '..' component refuses the package, and every checksum
// is verified before the caller parses a single byte; entry names must be printable
// UTF-8, and the whole may inflate to kMaxInflatedBytes. All of these are kBadInput.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace bamort::package {

using FileMap = std::map<std::string, std::string>;  // relative path -> content

inline constexpr const char* kMasterDataDir = "masterdata/";
inline constexpr const char* kMetadataFile = "metadata.json";
inline constexpr const char* kChecksumsFile = "checksums.txt";
// The decompression budget: all entries together may inflate to this much. An entry whose
// tar header declares more than is left is refused before a byte of it is inflated; the
// data is counted as it inflates as well. A package holds master data of a few MB.
inline constexpr uint64_t kMaxInflatedBytes = 256ULL << 20;
inline constexpr size_t kMaxEntries = 1000;

struct PackageContents {
  FileMap masterdata;     // files directly under masterdata/, keyed by base name
  std::string metadata;   // metadata.json text
  FileMap all;            // every regular file, by path in the archive
};

Status ReadPackage(const std::string& path, PackageContents* out);

// Writes masterdata files plus metadata.json and a generated checksums.txt to path
// (temp file + rename). mtime_unix is stamped on every entry, so the same input gives
// the same archive content.
Status WritePackage(const std::string& path, const FileMap& masterdata, const std::string& metadata_json,
                    int64_t mtime_unix);

// "sha256  path\n" lines for files, sorted by path.
std::string ChecksumsText(const FileMap& files);

}  // namespace bamort::package
