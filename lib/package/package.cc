#include "package/package.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include "common/env.h"
#include "common/sha256.h"
#include "common/utf8.h"

namespace bamort::package {

namespace {


struct ReadArchive {
  archive* a = archive_read_new();
  ~ReadArchive() { archive_read_free(a); }
};
struct WriteArchive {
  archive* a = archive_write_new();
  ~WriteArchive() { archive_write_free(a); }
};

std::string ArchiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

// Refuses absolute paths and '..' components; strips a leading "./".
Status SafePath(const std::string& raw, std::string* out) {
  std::string p = raw;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  if (p.empty()) return Status::BadInput("package entry with an empty path refused");
  if (p[0] == '/') return Status::BadInput("package entry '" + raw + "' has an absolute path: refused (zip-slip)");
  std::stringstream ss(p);
  std::string part;
  while (std::getline(ss, part, '/'))
    if (part == "..") return Status::BadInput("package entry '" + raw + "' contains '..': refused (zip-slip)");
  *out = p;
  return Status::Ok();
}

const char* KindName(unsigned type) {
  switch (type) {
    case AE_IFLNK: return "a symbolic link";
    case AE_IFCHR: return "a character device";
    case AE_IFBLK: return "a block device";
    case AE_IFIFO: return "a FIFO";
    case AE_IFSOCK: return "a socket";
    default: return "not a regular file";
  }
}

Status VerifyChecksums(const FileMap& all) {
  auto it = all.find(kChecksumsFile);
  if (it == all.end()) return Status::BadInput("package has no checksums.txt: refused");
  std::map<std::string, std::string> listed;
  std::stringstream ss(it->second);
  std::string line;
  int n = 0;
  while (std::getline(ss, line)) {
    ++n;
    if (line.empty()) continue;
    size_t sp = line.find("  ");
    if (sp != 64) return Status::BadInput("checksums.txt line " + std::to_string(n) + " is not '<sha256>  <path>'");
    listed[line.substr(66)] = line.substr(0, 64);
  }
  for (const auto& [path, sum] : listed) {
    auto f = all.find(path);
    if (f == all.end()) return Status::BadInput("checksums.txt lists '" + path + "', which the package lacks");
    if (Sha256Hex(f->second) != sum)
      return Status::BadInput("checksum mismatch for '" + path + "': the package is damaged or was altered",
                              "rebuild it with bamort-prepare or fetch it again");
  }
  for (const auto& [path, content] : all)
    if (path != kChecksumsFile && !listed.count(path))
      return Status::BadInput("package file '" + path + "' is not listed in checksums.txt: refused");
  return Status::Ok();
}

}  // namespace

std::string ChecksumsText(const FileMap& files) {
  std::string out;
  for (const auto& [path, content] : files) out += Sha256Hex(content) + "  " + path + "\n";
  return out;
}

namespace {

// The entry's content, within what is left of the budget; refused naming the entry as
// soon as its header declares more, or its data runs past it.
Status ReadEntry(archive* a, archive_entry* entry, const std::string& path, const std::string& name,
                 uint64_t* budget_left, std::string* content) {
  auto over = [&] {
    return Status::BadInput(path + ": package entry '" + name + "' inflates the package beyond " +
                                std::to_string(kMaxInflatedBytes >> 20) + " MiB: refused before unpacking it",
                            "a deployment package holds master data of a few MB; this one is damaged or hostile");
  };
  if (archive_entry_size_is_set(entry)) {
    la_int64_t declared = archive_entry_size(entry);
    if (declared < 0 || static_cast<uint64_t>(declared) > *budget_left) return over();
    content->reserve(static_cast<size_t>(declared));
  }
  char buf[64 * 1024];
  for (;;) {
    la_ssize_t got = archive_read_data(a, buf, sizeof buf);
    if (got < 0) return Status::BadInput(path + ": entry '" + name + "' is damaged: " + ArchiveError(a));
    if (got == 0) break;
    if (static_cast<uint64_t>(got) > *budget_left) return over();
    *budget_left -= static_cast<uint64_t>(got);
    content->append(buf, static_cast<size_t>(got));
  }
  return Status::Ok();
}

}  // namespace

Status ReadPackage(const std::string& path, PackageContents* out) {
  ReadArchive ra;
  archive_read_support_filter_gzip(ra.a);
  archive_read_support_format_tar(ra.a);
  if (archive_read_open_filename(ra.a, path.c_str(), 64 * 1024) != ARCHIVE_OK)
    return Status::BadInput(path + ": cannot open package: " + ArchiveError(ra.a));
  uint64_t budget_left = kMaxInflatedBytes;
  size_t entries = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(ra.a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return Status::BadInput(path + ": not a readable tar.gz package: " + ArchiveError(ra.a));
    if (++entries > kMaxEntries)
      return Status::BadInput(path + ": package has more than " + std::to_string(kMaxEntries) + " entries: refused");
    const char* name = archive_entry_pathname(entry);
    std::string raw = name ? name : "";
    // Names reach messages, the report and the log: only printable UTF-8 is taken.
    if (!IsValidUtf8(raw) || PrintableText(raw, raw.size()) != raw)
      return Status::BadInput(path + ": package entry '" + PrintableText(raw) +
                              "' has a name that is not printable UTF-8: refused");
    std::string safe;
    BAMORT_RETURN_IF_ERROR(SafePath(raw, &safe).WithContext(path));
    if (archive_entry_hardlink(entry))
      return Status::BadInput(path + ": package entry '" + raw + "' is a hard link: refused");
    unsigned type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) continue;
    if (type != AE_IFREG)
      return Status::BadInput(path + ": package entry '" + raw + "' is " + KindName(type) + ": refused");
    std::string content;
    BAMORT_RETURN_IF_ERROR(ReadEntry(ra.a, entry, path, safe, &budget_left, &content));
    if (out->all.count(safe)) return Status::BadInput(path + ": package entry '" + safe + "' appears twice: refused");
    out->all[safe] = std::move(content);
  }
  BAMORT_RETURN_IF_ERROR(VerifyChecksums(out->all).WithContext(path));
  auto meta = out->all.find(kMetadataFile);
  if (meta == out->all.end()) return Status::BadInput(path + ": package has no metadata.json");
  out->metadata = meta->second;
  const std::string prefix = kMasterDataDir;
  for (const auto& [p, content] : out->all)
    if (p.rfind(prefix, 0) == 0 && p.find('/', prefix.size()) == std::string::npos)
      out->masterdata[p.substr(prefix.size())] = content;
  if (out->masterdata.empty()) return Status::BadInput(path + ": package has no files under masterdata/");
  return Status::Ok();
}

Status WritePackage(const std::string& path, const FileMap& masterdata, const std::string& metadata_json,
                    int64_t mtime_unix) {
  FileMap files;
  for (const auto& [name, content] : masterdata) files[std::string(kMasterDataDir) + name] = content;
  files[kMetadataFile] = metadata_json;
  std::string checksums = ChecksumsText(files);
  files[kChecksumsFile] = checksums;

  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    WriteArchive wa;
    archive_write_add_filter_gzip(wa.a);
    archive_write_set_format_pax_restricted(wa.a);
    if (archive_write_open_filename(wa.a, tmp.c_str()) != ARCHIVE_OK)
      return Status::Failed(path + ": cannot create package: " + ArchiveError(wa.a));
    auto add = [&](const std::string& name, const std::string* content) -> Status {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      archive_entry_set_filetype(e, content ? AE_IFREG : AE_IFDIR);
      archive_entry_set_perm(e, content ? 0644 : 0755);
      archive_entry_set_size(e, content ? static_cast<la_int64_t>(content->size()) : 0);
      archive_entry_set_mtime(e, mtime_unix, 0);
      archive_entry_set_uid(e, 0);
      archive_entry_set_gid(e, 0);
      Status s;
      if (archive_write_header(wa.a, e) != ARCHIVE_OK)
        s = Status::Failed(path + ": cannot write entry " + name + ": " + ArchiveError(wa.a));
      else if (content && !content->empty() &&
               archive_write_data(wa.a, content->data(), content->size()) != static_cast<la_ssize_t>(content->size()))
        s = Status::Failed(path + ": cannot write entry " + name + ": " + ArchiveError(wa.a));
      archive_entry_free(e);
      return s;
    };
    Status s = add(kMasterDataDir, nullptr);
    for (const auto& [name, content] : files)
      if (s.ok()) s = add(name, &content);
    if (s.ok() && archive_write_close(wa.a) != ARCHIVE_OK)
      s = Status::Failed(path + ": cannot finish package: " + ArchiveError(wa.a));
    if (!s.ok()) {
      Env::Default()->RemoveFile(tmp);
      return s;
    }
  }
  if (!Env::Default()->Rename(tmp, path).ok()) {
    Env::Default()->RemoveFile(tmp);
    return Status::Failed(path + ": cannot rename the finished package into place");
  }
  return Status::Ok();
}

}  // namespace bamort::package
