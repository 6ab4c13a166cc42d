#include "report/step_report.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include <Poco/Path.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/file_io.h"
#include "common/json_value.h"
#include "common/utf8.h"
#include "common/secrets.h"

namespace bamort {

namespace {

template <typename T>
Poco::Dynamic::Var OptionalVar(const std::optional<T>& v) {
  return v ? Poco::Dynamic::Var(*v) : Poco::Dynamic::Var();
}

class FieldReader {
 public:
  FieldReader(Poco::JSON::Object::Ptr obj, std::string source, std::string prefix = "")
      : obj_(obj), source_(std::move(source)), prefix_(std::move(prefix)) {}

  Status String(const std::string& key, std::string* out, bool required = true) {
    if (!obj_->has(key) || obj_->isNull(key)) return required ? Missing(key) : Status::Ok();
    Poco::Dynamic::Var v = obj_->get(key);
    if (!v.isString()) return WrongType(key, "a string");
    *out = v.extract<std::string>();
    return Status::Ok();
  }
  Status OptString(const std::string& key, std::optional<std::string>* out) {
    if (!obj_->has(key) || obj_->isNull(key)) {
      *out = std::nullopt;
      return Status::Ok();
    }
    std::string s;
    Status st = String(key, &s);
    if (st.ok()) *out = s;
    return st;
  }
  Status Int(const std::string& key, int64_t* out, bool required = true) {
    if (!obj_->has(key) || obj_->isNull(key)) return required ? Missing(key) : Status::Ok();
    Poco::Dynamic::Var v = obj_->get(key);
    if (!v.isInteger()) return WrongType(key, "an integer");
    *out = v.convert<int64_t>();
    return Status::Ok();
  }
  Status OptInt(const std::string& key, std::optional<int64_t>* out) {
    if (!obj_->has(key) || obj_->isNull(key)) {
      *out = std::nullopt;
      return Status::Ok();
    }
    int64_t n = 0;
    Status st = Int(key, &n);
    if (st.ok()) *out = n;
    return st;
  }
  Status Time(const std::string& key, SystemTime* out) {
    std::string s;
    Status st = String(key, &s);
    if (!st.ok()) return st;
    if (!ParseRfc3339(s, out)) return WrongType(key, "an RFC 3339 UTC time");
    return Status::Ok();
  }
  Status Object(const std::string& key, Poco::JSON::Object::Ptr* out, bool nullable = false) {
    if (!obj_->has(key)) return Missing(key);
    if (obj_->isNull(key)) {
      if (nullable) {
        *out = nullptr;
        return Status::Ok();
      }
      return WrongType(key, "an object");
    }
    if (!obj_->isObject(key)) return WrongType(key, "an object");
    *out = obj_->getObject(key);
    return Status::Ok();
  }

 private:
  Status Missing(const std::string& key) {
    return Status::BadInput(source_ + ": field '" + prefix_ + key + "' is missing");
  }
  Status WrongType(const std::string& key, const std::string& what) {
    return Status::BadInput(source_ + ": field '" + prefix_ + key + "' is not " + what);
  }
  Poco::JSON::Object::Ptr obj_;
  std::string source_;
  std::string prefix_;
};


// Poco's parser keeps the last of two members with the same name, so {"status":"failed",
// "status":"ok"} would read as ok. A report is written by us and never has one: a
// duplicate name is a damaged or hand-made file. path: "" at the top, "database." below.
bool FindDuplicateName(const JsonValue& v, const std::string& path, std::string* found) {
  if (v.is_object()) {
    const std::vector<std::string>& keys = v.keys();
    std::set<std::string> seen;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!seen.insert(keys[i]).second) {
        *found = path + keys[i];
        return true;
      }
      if (FindDuplicateName(v.at(i), path + keys[i] + ".", found)) return true;
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (FindDuplicateName(v.at(i), path, found)) return true;
    }
  }
  return false;
}

}  // namespace

Poco::JSON::Object::Ptr StepReport::ToJson() const {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("report_version", report_version);
  o->set("run_id", run_id);
  o->set("job", job);
  o->set("status", status);
  // Not finished yet ("running"): no exit code to tell.
  o->set("exit_code", status == "running" ? Poco::Dynamic::Var() : Poco::Dynamic::Var(exit_code));
  o->set("started_at", FormatRfc3339(started_at));
  o->set("finished_at", FormatRfc3339(finished_at));
  o->set("duration_ms", duration_ms);
  o->set("tool_version", tool_version);
  o->set("backend_version", backend_version);
  Poco::JSON::Object::Ptr db = new Poco::JSON::Object(true);
  db->set("host", database.host);
  db->set("name", database.name);
  db->set("version_before", OptionalVar(database.version_before));
  db->set("version_after", OptionalVar(database.version_after));
  db->set("migration_number_before", OptionalVar(database.migration_number_before));
  db->set("migration_number_after", OptionalVar(database.migration_number_after));
  o->set("database", db);
  o->set("inputs", inputs);
  o->set("outputs", outputs);
  Poco::JSON::Array::Ptr w = new Poco::JSON::Array();
  for (const std::string& s : warnings) w->add(s);
  o->set("warnings", w);
  if (error) {
    Poco::JSON::Object::Ptr e = new Poco::JSON::Object(true);
    e->set("code", error->code);
    e->set("message", error->message);
    e->set("hint", error->hint);
    o->set("error", e);
  } else {
    o->set("error", Poco::Dynamic::Var());
  }
  o->set("details", details);
  return o;
}

std::string StepReport::ToJsonText() const {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(ToJson(), out, 2);
  out << "\n";
  return ReplaceInvalidUtf8(Redact(out.str()));  // a name from a file may be any bytes
}

Status WriteReport(const StepReport& report, const std::string& path) {
  Poco::Path parent = Poco::Path(path).parent();
  if (!parent.toString().empty()) {
    Status s = MakeDirs(parent.toString());
    if (!s.ok()) return s;
  }
  return WriteFileAtomic(path, report.ToJsonText(), 0640);
}

Status CheckReportWritable(const std::string& path) {
  std::string parent = Poco::Path(path).parent().toString();
  if (parent.empty()) parent = ".";
  Status made = MakeDirs(parent);
  if (!made.ok()) {
    return Status::BadInput("report " + path + ": its folder cannot be created: " + made.message(),
                            "give a writable --report / --reports-dir (BAMORT_REPORTS_DIR); nothing was done");
  }
  std::string probe = parent + "/.bamort-report-probe-XXXXXX";
  int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    return Status::BadInput("report " + path + ": the folder " + parent + " is not writable (" +
                                std::strerror(errno) + ")",
                            "give a writable --report / --reports-dir (BAMORT_REPORTS_DIR); nothing was done");
  }
  ::close(fd);
  Env::Default()->RemoveFile(probe);
  return Status::Ok();
}

Status ParseReport(const std::string& text, const std::string& source, StepReport* out) {
  Poco::JSON::Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(text);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) return Status::BadInput(source + ": not a JSON object");
    root = v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Status::BadInput(source + ": not a complete JSON report (truncated or damaged?): " + e.displayText());
  }
  JsonValue tree;
  std::string duplicate;
  if (ParseJsonValue(text, &tree).ok() && FindDuplicateName(tree, "", &duplicate)) {
    return Status::BadInput(source + ": field '" + duplicate + "' appears more than once: not a report as the jobs "
                            "write it (edited by hand or damaged)");
  }
  StepReport r;
  FieldReader f(root, source);
  int64_t version = 0;
  BAMORT_RETURN_IF_ERROR(f.Int("report_version", &version));
  if (version != StepReport::kReportVersion) {
    return Status::BadInput(source + ": report_version " + std::to_string(version) + " is not supported (expected " +
                            std::to_string(StepReport::kReportVersion) + ")");
  }
  r.report_version = static_cast<int>(version);
  BAMORT_RETURN_IF_ERROR(f.String("run_id", &r.run_id));
  BAMORT_RETURN_IF_ERROR(f.String("job", &r.job));
  BAMORT_RETURN_IF_ERROR(f.String("status", &r.status));
  if (r.status != "ok" && r.status != "warning" && r.status != "failed" && r.status != "skipped" &&
      r.status != "running") {
    return Status::BadInput(source + ": field 'status' has unknown value '" + r.status + "'");
  }
  int64_t exit_code = 0;
  BAMORT_RETURN_IF_ERROR(f.Int("exit_code", &exit_code, false));
  r.exit_code = static_cast<int>(exit_code);
  BAMORT_RETURN_IF_ERROR(f.Time("started_at", &r.started_at));
  BAMORT_RETURN_IF_ERROR(f.Time("finished_at", &r.finished_at));
  BAMORT_RETURN_IF_ERROR(f.Int("duration_ms", &r.duration_ms));
  BAMORT_RETURN_IF_ERROR(f.String("tool_version", &r.tool_version));
  BAMORT_RETURN_IF_ERROR(f.String("backend_version", &r.backend_version, false));
  Poco::JSON::Object::Ptr db;
  BAMORT_RETURN_IF_ERROR(f.Object("database", &db));
  FieldReader d(db, source, "database.");
  BAMORT_RETURN_IF_ERROR(d.String("host", &r.database.host));
  BAMORT_RETURN_IF_ERROR(d.String("name", &r.database.name));
  BAMORT_RETURN_IF_ERROR(d.OptString("version_before", &r.database.version_before));
  BAMORT_RETURN_IF_ERROR(d.OptString("version_after", &r.database.version_after));
  BAMORT_RETURN_IF_ERROR(d.OptInt("migration_number_before", &r.database.migration_number_before));
  BAMORT_RETURN_IF_ERROR(d.OptInt("migration_number_after", &r.database.migration_number_after));
  BAMORT_RETURN_IF_ERROR(f.Object("inputs", &r.inputs));
  BAMORT_RETURN_IF_ERROR(f.Object("outputs", &r.outputs));
  BAMORT_RETURN_IF_ERROR(f.Object("details", &r.details));
  if (!root->has("warnings") || !root->isArray("warnings")) {
    return Status::BadInput(source + ": field 'warnings' is missing or not an array");
  }
  for (const auto& w : *root->getArray("warnings")) r.warnings.push_back(w.toString());
  Poco::JSON::Object::Ptr err;
  BAMORT_RETURN_IF_ERROR(f.Object("error", &err, /*nullable=*/true));
  if (err) {
    ReportError e;
    FieldReader ef(err, source, "error.");
    BAMORT_RETURN_IF_ERROR(ef.String("code", &e.code));
    BAMORT_RETURN_IF_ERROR(ef.String("message", &e.message));
    BAMORT_RETURN_IF_ERROR(ef.String("hint", &e.hint, false));
    r.error = e;
  }
  *out = r;
  return Status::Ok();
}

Status ReadReport(const std::string& path, StepReport* out) {
  std::string text;
  Status s = ReadFileToString(path, &text, kMaxReportBytes);
  if (!s.ok()) return s;
  return ParseReport(text, path, out);
}

Status ValidatePreviousReport(const std::string& path, const ReportExpectation& expect, StepReport* out) {
  FileInfo report;
  Env::Default()->Stat(path, &report);
  if (!report.exists) {
    return Status::Precondition("required report " + path + " does not exist",
                                expect.job.empty() ? "" : "run bamort-" + expect.job + " first");
  }
  StepReport r;
  Status s = ReadReport(path, &r);
  if (!s.ok()) return s;
  if (!expect.job.empty() && r.job != expect.job) {
    return Status::Precondition(path + " is a report of '" + r.job + "', expected one of '" + expect.job + "'");
  }
  if (r.status == "running") {
    return Status::Precondition(path + ": the " + r.job + " step has not finished (status running: still running, "
                                "or it was killed)",
                                "run bamort-" + r.job + " again and wait for its end");
  }
  if (r.status != "ok" && r.status != "warning") {
    std::string why = r.error ? ": " + r.error->message : "";
    return Status::Precondition(path + ": the " + r.job + " step did not succeed (status " + r.status + ")" + why);
  }
  // A successful step exits 0 and has no error: anything else is not its report.
  if (r.exit_code != 0 || r.error) {
    return Status::Precondition(path + " says status " + r.status + " but exit_code " + std::to_string(r.exit_code) +
                                (r.error ? " and an error (" + r.error->code + ")" : std::string()) +
                                ": a successful " + r.job + " exits 0 without an error; the report contradicts itself",
                                "run bamort-" + r.job + " again and pass the report it writes");
  }
  const SystemTime now = expect.now ? *expect.now : std::chrono::system_clock::now();
  if (r.finished_at < r.started_at || r.finished_at > now + std::chrono::seconds(kReportClockSkewSeconds)) {
    return Status::Precondition(path + " finished at " + FormatRfc3339(r.finished_at) + " (started " +
                                    FormatRfc3339(r.started_at) + "), which is " +
                                    (r.finished_at < r.started_at ? "before it started"
                                                                  : "in the future (now " + FormatRfc3339(now) + ")") +
                                    ": the report cannot be true",
                                "check the clocks of this host and of the one that ran bamort-" + r.job +
                                    ", then make a fresh " + r.job);
  }
  if ((!expect.db_name.empty() && r.database.name != expect.db_name) ||
      (!expect.db_host.empty() && r.database.host != expect.db_host)) {
    return Status::Precondition(path + " is about database " + r.database.name + " on " + r.database.host +
                                ", not " + expect.db_name + " on " + expect.db_host);
  }
  if (!expect.run_id.empty() && r.run_id != expect.run_id) {
    return Status::Precondition(path + " belongs to run " + r.run_id + ", not to this run " + expect.run_id);
  }
  if (expect.max_age_seconds) {
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - r.finished_at);
    if (age.count() > *expect.max_age_seconds) {
      return Status::Precondition(path + " is " + std::to_string(age.count()) + " s old, more than the allowed " +
                                  std::to_string(*expect.max_age_seconds) + " s",
                                  "make a fresh " + r.job + " first");
    }
  }
  if (out) *out = r;
  return Status::Ok();
}

}  // namespace bamort
