#include "migrate/migration_source.h"

#include <algorithm>

#include <Poco/Path.h>

#include "common/env.h"
#include "common/file_io.h"
#include "common/embedded_files.h"

namespace bamort {

namespace {

class EmbeddedSource : public MigrationSource {
 public:
  Status Load(std::vector<Migration>* out) const override {
    out->clear();
    for (const EmbeddedFile& f : EmbeddedMigrationFiles()) {
      Migration m;
      BAMORT_RETURN_IF_ERROR(ParseMigration(f.name, std::string(f.content), &m));
      out->push_back(std::move(m));
    }
    std::sort(out->begin(), out->end(), [](const Migration& a, const Migration& b) { return a.number < b.number; });
    return CheckMigrationSequence(*out, Describe());
  }
  std::string Describe() const override { return "embedded migrations"; }
};

class DirectorySource : public MigrationSource {
 public:
  explicit DirectorySource(std::string dir) : dir_(std::move(dir)) {}
  Status Load(std::vector<Migration>* out) const override {
    out->clear();
    Env* env = Env::Default();
    FileInfo d;
    std::vector<DirEntry> entries;
    if (!env->Stat(dir_, &d).ok() || !d.is_dir) {
      return Status::BadInput("--migrations-dir: " + dir_ + " is not a directory");
    }
    Status listed = env->ListDir(dir_, &entries);
    if (!listed.ok()) return Status::BadInput("--migrations-dir: " + listed.message());
    for (const DirEntry& e : entries) {
      const std::string& name = e.name;
      if (name.size() < 4 || name.substr(name.size() - 4) != ".sql") continue;
      std::string content;
      BAMORT_RETURN_IF_ERROR(env->ReadFileToString(dir_ + "/" + name, &content, kMaxSqlFileBytes));
      Migration m;
      BAMORT_RETURN_IF_ERROR(ParseMigration(name, content, &m).WithContext(dir_));
      out->push_back(std::move(m));
    }
    std::sort(out->begin(), out->end(), [](const Migration& a, const Migration& b) { return a.number < b.number; });
    return CheckMigrationSequence(*out, Describe());
  }
  std::string Describe() const override { return "migrations in " + dir_; }

 private:
  std::string dir_;
};

}  // namespace

std::unique_ptr<MigrationSource> EmbeddedMigrationSource() { return std::make_unique<EmbeddedSource>(); }
std::unique_ptr<MigrationSource> DirectoryMigrationSource(const std::string& dir) {
  return std::make_unique<DirectorySource>(dir);
}

Status CheckMigrationSequence(const std::vector<Migration>& migrations, const std::string& source) {
  if (migrations.empty()) return Status::BadInput(source + ": no migrations found");
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    if (m.number != static_cast<int64_t>(i + 1)) {
      return Status::BadInput(source + ": " + m.name + " has number " + std::to_string(m.number) + ", expected " +
                              std::to_string(i + 1) + " (numbers are contiguous from 1, no duplicates)");
    }
    if (i > 0 && m.version < migrations[i - 1].version) {
      return Status::BadInput(source + ": " + m.name + " has version " + m.version.ToString() +
                              ", lower than the version of the migration before it");
    }
  }
  return Status::Ok();
}

SemVer RequiredDbVersion() {
  static const SemVer required = [] {
    std::vector<Migration> migrations;
    Status s = EmbeddedMigrationSource()->Load(&migrations);
    return s.ok() ? migrations.back().version : SemVer{};
  }();
  return required;
}

}  // namespace bamort
