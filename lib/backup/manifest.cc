#include "backup/manifest.h"

#include <atomic>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/env.h"
#include "common/joining_thread.h"
#include "common/secrets.h"
#include "common/sha256.h"

namespace bamort {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Status Field(const Object::Ptr& o, const std::string& key, const std::string& where, std::string* out,
             bool allow_null = false, bool* was_null = nullptr) {
  if (!o->has(key)) return Status::BadInput(where + ": field '" + key + "' missing");
  Poco::Dynamic::Var v = o->get(key);
  if (v.isEmpty()) {
    if (!allow_null) return Status::BadInput(where + ": field '" + key + "' is null");
    if (was_null) *was_null = true;
    return Status::Ok();
  }
  if (!v.isString()) return Status::BadInput(where + ": field '" + key + "' must be a string");
  *out = v.extract<std::string>();
  return Status::Ok();
}

Status IntField(const Object::Ptr& o, const std::string& key, const std::string& where, int64_t* out) {
  if (!o->has(key)) return Status::BadInput(where + ": field '" + key + "' missing");
  Poco::Dynamic::Var v = o->get(key);
  if (!v.isInteger()) return Status::BadInput(where + ": field '" + key + "' must be a whole number");
  *out = v.convert<int64_t>();
  return Status::Ok();
}

bool PlainFileName(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos && n.find('\0') == std::string::npos;
}

}  // namespace

const ManifestFile* Manifest::FindRole(const std::string& role) const {
  for (const ManifestFile& f : files) {
    if (f.role == role) return &f;
  }
  return nullptr;
}

uint64_t Manifest::TotalSize() const {
  uint64_t n = 0;
  for (const ManifestFile& f : files) n += f.size;
  return n;
}

Object::Ptr Manifest::ToJson() const {
  Object::Ptr o = new Object(true);
  o->set("format", std::string(kFormat));
  o->set("format_version", kFormatVersion);
  o->set("kind", kind);
  o->set("set", set_name);
  o->set("created_at", FormatRfc3339(created_at));
  o->set("run_id", run_id);
  Object::Ptr db = new Object(true);
  db->set("host", db_host);
  db->set("name", db_name);
  db->set("version", db_version ? Poco::Dynamic::Var(*db_version) : Poco::Dynamic::Var());
  db->set("migration_number", migration_number);
  db->set("server_version", server_version);
  o->set("database", db);
  o->set("tool_version", tool_version);
  o->set("backend_version", backend_version);
  Array::Ptr fa = new Array();
  for (const ManifestFile& f : files) {
    Object::Ptr fo = new Object(true);
    fo->set("name", f.name);
    fo->set("role", f.role);
    fo->set("sha256", f.sha256);
    fo->set("size", f.size);
    fo->set("uncompressed_size", f.uncompressed_size);
    fa->add(fo);
  }
  o->set("files", fa);
  Object::Ptr to = new Object(true);
  for (const auto& [name, st] : tables) {
    Object::Ptr t = new Object(true);
    t->set("rows", st.rows);
    t->set("checksum", st.checksum);
    if (!st.content_hash.empty()) t->set("content_hash", st.content_hash);
    to->set(name, t);
  }
  o->set("tables", to);
  o->set("verified", verified);
  o->set("verification", verification ? Poco::Dynamic::Var(verification) : Poco::Dynamic::Var());
  if (physical) o->set("physical", physical);
  return o;
}

std::string Manifest::ToJsonText() const {
  std::ostringstream ss;
  Poco::JSON::Stringifier::stringify(ToJson(), ss, 2);
  ss << "\n";
  return Redact(ss.str());
}

namespace {

// The JSON object of a manifest's text; kBadInput when it is not one.
Status ParseObject(const std::string& text, const std::string& source_name, Object::Ptr* out) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(text);
    *out = v.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Status::BadInput(source_name + " is not a backup manifest (not JSON: " + e.displayText() + ")");
  } catch (const std::exception& e) {
    return Status::BadInput(source_name + " is not a backup manifest (not a JSON object)");
  }
  if (!*out) return Status::BadInput(source_name + " is not a backup manifest (not a JSON object)");
  return Status::Ok();
}

// format, format_version and kind.
Status ParseFormat(const Object::Ptr& o, const std::string& source_name, Manifest* m) {
  std::string format;
  BAMORT_RETURN_IF_ERROR(Field(o, "format", source_name, &format));
  if (format != Manifest::kFormat) {
    return Status::BadInput(source_name + ": format '" + format + "' is not a bamort-deploy backup set");
  }
  int64_t fv = 0;
  BAMORT_RETURN_IF_ERROR(IntField(o, "format_version", source_name, &fv));
  if (fv != Manifest::kFormatVersion) {
    return Status::BadInput(source_name + ": format_version " + std::to_string(fv) + " is not supported (this tool reads " +
                            std::to_string(Manifest::kFormatVersion) + ")");
  }
  if (!o->has("kind")) return Status::Ok();
  BAMORT_RETURN_IF_ERROR(Field(o, "kind", source_name, &m->kind));
  if (m->kind != Manifest::kLogical && m->kind != Manifest::kPhysical) {
    return Status::BadInput(source_name + ": kind '" + m->kind + "' is neither logical nor physical");
  }
  if (m->kind == Manifest::kPhysical && !o->isObject("physical")) {
    return Status::BadInput(source_name + ": a physical set needs the object 'physical'");
  }
  return Status::Ok();
}

// The object 'database'.
Status ParseDatabase(const Object::Ptr& o, const std::string& source_name, Manifest* m) {
  if (!o->has("database") || !o->isObject("database")) {
    return Status::BadInput(source_name + ": field 'database' missing or not an object");
  }
  Object::Ptr db = o->getObject("database");
  std::string where = source_name + " database";
  BAMORT_RETURN_IF_ERROR(Field(db, "host", where, &m->db_host));
  BAMORT_RETURN_IF_ERROR(Field(db, "name", where, &m->db_name));
  std::string version;
  bool version_null = false;
  BAMORT_RETURN_IF_ERROR(Field(db, "version", where, &version, true, &version_null));
  if (!version_null) m->db_version = version;
  BAMORT_RETURN_IF_ERROR(IntField(db, "migration_number", where, &m->migration_number));
  return Field(db, "server_version", where, &m->server_version);
}

Status ParseFiles(const Object::Ptr& o, const std::string& source_name, Manifest* m) {
  if (!o->has("files") || !o->isArray("files")) return Status::BadInput(source_name + ": field 'files' missing");
  Array::Ptr fa = o->getArray("files");
  for (size_t i = 0; i < fa->size(); ++i) {
    Object::Ptr fo = fa->getObject(static_cast<unsigned>(i));
    std::string fw = source_name + " files[" + std::to_string(i) + "]";
    if (!fo) return Status::BadInput(fw + ": not an object");
    ManifestFile f;
    int64_t size = 0, usize = 0;
    BAMORT_RETURN_IF_ERROR(Field(fo, "name", fw, &f.name));
    BAMORT_RETURN_IF_ERROR(Field(fo, "role", fw, &f.role));
    BAMORT_RETURN_IF_ERROR(Field(fo, "sha256", fw, &f.sha256));
    BAMORT_RETURN_IF_ERROR(IntField(fo, "size", fw, &size));
    BAMORT_RETURN_IF_ERROR(IntField(fo, "uncompressed_size", fw, &usize));
    if (!PlainFileName(f.name)) return Status::BadInput(fw + ": name '" + f.name + "' is not a plain file name");
    if (f.sha256.size() != 64) return Status::BadInput(fw + ": sha256 is not 64 hex digits");
    f.size = static_cast<uint64_t>(size);
    f.uncompressed_size = static_cast<uint64_t>(usize);
    m->files.push_back(f);
  }
  return Status::Ok();
}

Status ParseTables(const Object::Ptr& o, const std::string& source_name, Manifest* m) {
  if (!o->has("tables") || !o->isObject("tables")) return Status::BadInput(source_name + ": field 'tables' missing");
  Object::Ptr to = o->getObject("tables");
  for (const auto& [name, var] : *to) {
    Object::Ptr t = to->getObject(name);
    std::string tw = source_name + " tables." + name;
    if (!t) return Status::BadInput(tw + ": not an object");
    int64_t rows = 0;
    TableStat st;
    BAMORT_RETURN_IF_ERROR(IntField(t, "rows", tw, &rows));
    BAMORT_RETURN_IF_ERROR(Field(t, "checksum", tw, &st.checksum));
    st.rows = static_cast<uint64_t>(rows);
    if (t->has("content_hash")) BAMORT_RETURN_IF_ERROR(Field(t, "content_hash", tw, &st.content_hash));
    m->tables[name] = st;
  }
  return Status::Ok();
}

}  // namespace

Status ParseManifest(const std::string& text, const std::string& source_name, Manifest* out) {
  Object::Ptr o;
  BAMORT_RETURN_IF_ERROR(ParseObject(text, source_name, &o));
  try {
    Manifest m;
    BAMORT_RETURN_IF_ERROR(ParseFormat(o, source_name, &m));
    BAMORT_RETURN_IF_ERROR(Field(o, "set", source_name, &m.set_name));
    std::string created;
    BAMORT_RETURN_IF_ERROR(Field(o, "created_at", source_name, &created));
    if (!ParseRfc3339(created, &m.created_at)) {
      return Status::BadInput(source_name + ": created_at '" + created + "' is not an RFC 3339 time");
    }
    BAMORT_RETURN_IF_ERROR(Field(o, "run_id", source_name, &m.run_id));
    BAMORT_RETURN_IF_ERROR(ParseDatabase(o, source_name, &m));
    BAMORT_RETURN_IF_ERROR(Field(o, "tool_version", source_name, &m.tool_version));
    BAMORT_RETURN_IF_ERROR(Field(o, "backend_version", source_name, &m.backend_version));
    BAMORT_RETURN_IF_ERROR(ParseFiles(o, source_name, &m));
    BAMORT_RETURN_IF_ERROR(ParseTables(o, source_name, &m));
    if (!o->has("verified") || !o->get("verified").isBoolean()) {
      return Status::BadInput(source_name + ": field 'verified' missing or not true/false");
    }
    m.verified = o->getValue<bool>("verified");
    if (o->isObject("verification")) m.verification = o->getObject("verification");
    if (o->isObject("physical")) m.physical = o->getObject("physical");
    *out = std::move(m);
  } catch (const Poco::Exception& e) {
    return Status::BadInput(source_name + ": malformed manifest (" + e.displayText() + ")");
  }
  return Status::Ok();
}

Status ReadManifest(const std::string& path, Manifest* out, Env* env) {
  std::string text;
  BAMORT_RETURN_IF_ERROR(env->ReadFileToString(path, &text, kMaxManifestBytes));
  return ParseManifest(text, path, out);
}

std::string FileProblem(const ManifestFile& f, const std::string& sha256_hex, uint64_t size) {
  if (size != f.size) {
    return f.name + ": " + std::to_string(size) + " bytes, the manifest says " + std::to_string(f.size) +
           " (truncated or replaced)";
  }
  if (sha256_hex != f.sha256) {
    return f.name + ": sha256 " + sha256_hex + " differs from the manifest's " + f.sha256 + " (corrupt)";
  }
  return "";
}

Status CheckSetFiles(const std::string& set_dir, const Manifest& manifest, std::vector<std::string>* problems) {
  problems->clear();
  // The files are hashed on two threads at once: a set is one large dump and one large
  // export, and SHA-256 of each (~1 GB/s) is CPU-bound once the file is in the page
  // cache, so this halves the check that runs before a restore touches anything.
  const std::vector<ManifestFile>& files = manifest.files;
  std::vector<std::string> found(files.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      const ManifestFile& f = files[i];
      std::string hex;
      uint64_t size = 0;
      Status s = Sha256OfFile(set_dir + "/" + f.name, &hex, &size);
      found[i] = s.ok() ? FileProblem(f, hex, size) : f.name + ": " + s.message();
    }
  };
  JoiningThread helper;
  if (files.size() > 1) helper = JoiningThread(worker);
  worker();
  helper.Join();
  for (std::string& p : found) {
    if (!p.empty()) problems->push_back(std::move(p));  // in manifest order, as before
  }
  if (problems->empty()) return Status::Ok();
  return Status::BadInput("backup set " + set_dir + " is damaged: " + problems->front(),
                          "use another backup set (bamort-backup --list)");
}

}  // namespace bamort
