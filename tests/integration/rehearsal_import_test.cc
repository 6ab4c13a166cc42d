// bamort-migrate --dry-run --rehearse-import: after the chain succeeded on the private
// copy, the real master-data import runs there too. Its per-entity counts must be what the
// real migrate followed by the real import report; a package the import refuses fails the
// dry run with the real import's exit code and message; production is not touched. The
// jobs run as processes.
#include <unistd.h>

#include <fstream>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include "report/step_report.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;

class RehearseImport : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = ::testing::TempDir() + "/rehearse-import-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (Poco::File(work_).exists()) Poco::File(work_).remove(true);
    Poco::File(work_).createDirectories();
  }
  // A package built by bamort-prepare from a master-data directory of the source tree.
  std::string Package(const std::string& from, const std::string& name) {
    std::string out = work_ + "/" + name + ".tar.gz";
    ScratchDatabase unused("rhi_prep");
    ProcessResult r = unused.Job("prepare", {"--from", from, "--out", out});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return out;
  }
  StepReport Report(const std::string& path) {
    StepReport r;
    Status s = ReadReport(path, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }
  // The dry run with --rehearse-import, then the real migrate and the real import: the
  // dry run's exit code is the import's, its message the import's behind the rehearsal's
  // prefix, and production is unchanged by the dry run. Returns both import details.
  void ExpectSameVerdict(const ScratchDatabase& db, const std::string& package, int expected_code,
                         Poco::JSON::Object::Ptr* rehearsed, Poco::JSON::Object::Ptr* real_details) {
    auto before = db.TableChecksums();
    std::string dry_report = work_ + "/dry.json";
    ProcessResult dry = db.Job("migrate", {"--dry-run", "--rehearse-import", package, "--report", dry_report});
    EXPECT_EQ(dry.exit_code, expected_code) << dry.out << dry.err;
    EXPECT_EQ(db.TableChecksums(), before) << "the dry run changed the database";
    StepReport dry_rep = Report(dry_report);
    ASSERT_TRUE(dry_rep.details->has("rehearsal"));
    Poco::JSON::Object::Ptr rh = dry_rep.details->getObject("rehearsal");
    EXPECT_EQ(rh->getValue<std::string>("method"), "private-server");
    EXPECT_EQ(rh->getValue<int>("exit_code"), expected_code);
    ASSERT_TRUE(rh->has("import")) << "no details.rehearsal.import";
    *rehearsed = rh->getObject("import");
    EXPECT_EQ((*rehearsed)->getValue<int>("exit_code"), expected_code);
    EXPECT_EQ(db.Job("status").exit_code, 3);  // still behind

    ProcessResult migrated = db.Job("migrate");
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    std::string real_report = work_ + "/real.json";
    ProcessResult real = db.Job("import-masterdata", {"--source", package, "--report", real_report});
    EXPECT_EQ(real.exit_code, expected_code) << real.out << real.err;
    StepReport real_rep = Report(real_report);
    *real_details = real_rep.details;
    if (expected_code != 0) {
      ASSERT_TRUE(dry_rep.error && real_rep.error);
      EXPECT_EQ(dry_rep.error->message, "rehearsal on a private copy of " + db.name() + ": " + real_rep.error->message);
    }
  }
  std::string work_;
};

std::string Json(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out);
  return out.str();
}

// Per entity: name, in_file, inserted, updated, unchanged, only_in_database, pruned and
// the sampled changes, as one comparable string each.
std::vector<std::string> EntityCounts(const Poco::JSON::Object::Ptr& details) {
  std::vector<std::string> out;
  Poco::JSON::Array::Ptr entities = details->getArray("entities");
  if (entities.isNull()) return out;
  for (size_t i = 0; i < entities->size(); ++i) {
    Poco::JSON::Object::Ptr e = entities->getObject(static_cast<unsigned>(i));
    std::string line = e->getValue<std::string>("name");
    for (const char* k : {"in_file", "inserted", "updated", "unchanged", "only_in_database", "pruned"}) {
      line += std::string(" ") + k + "=" + std::to_string(e->getValue<uint64_t>(k));
    }
    line += " changes=" + Json(e->get("changes"));
    out.push_back(line);
  }
  return out;
}

TEST_F(RehearseImport, CountsAreWhatTheRealMigrateAndImportThenReport) {
  std::string package = Package(SourcePath("tests/fixtures/export-v1-small"), "v1small");
  ScratchDatabase db("rhi_counts");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  Poco::JSON::Object::Ptr rehearsed, real;
  ExpectSameVerdict(db, package, 0, &rehearsed, &real);
  ASSERT_FALSE(rehearsed.isNull());
  ASSERT_FALSE(real.isNull());
  std::vector<std::string> counts = EntityCounts(rehearsed);
  EXPECT_FALSE(counts.empty());
  EXPECT_EQ(counts, EntityCounts(real));
  EXPECT_EQ(rehearsed->getValue<std::string>("outcome"), "ok");
  EXPECT_TRUE(rehearsed->getValue<bool>("committed")) << "on the copy the import is the real one";
}

TEST_F(RehearseImport, TheSampleSetIsRefusedInTheDryRunLikeInTheRealImport) {
  std::string package = Package(SourcePath("masterdata"), "sample");
  ScratchDatabase db("rhi_sample");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto chars = db.Count("SELECT COUNT(*) FROM char_chars");
  Poco::JSON::Object::Ptr rehearsed, real;
  ExpectSameVerdict(db, package, 3, &rehearsed, &real);
  ASSERT_FALSE(rehearsed.isNull());
  EXPECT_EQ(rehearsed->getValue<std::string>("outcome"), "failed");
  EXPECT_NE(rehearsed->getValue<std::string>("message").find("sample"), std::string::npos);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM char_chars"), chars);
}

TEST_F(RehearseImport, AMalformedRecordFailsTheDryRunLikeTheRealImport) {
  // export-v1-small with one skill whose name is not a string: bad input, exit 2.
  std::string dir = work_ + "/malformed";
  Poco::File(SourcePath("tests/fixtures/export-v1-small")).copyTo(dir);
  std::string skills = dir + "/skills.json";
  std::ifstream in(skills);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = text.find("\"name\": \"");
  ASSERT_NE(at, std::string::npos);
  size_t end = text.find('"', at + 9);
  text.replace(at, end + 1 - at, "\"name\": {\"not\": \"a string\"}");
  std::ofstream(skills) << text;
  ScratchDatabase db("rhi_bad");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  Poco::JSON::Object::Ptr rehearsed, real;
  ExpectSameVerdict(db, dir, 2, &rehearsed, &real);
}

// Nothing pending: no rehearsal, so the import is not rehearsed either; the job says so and
// names the import's own dry run (which deploy.sh runs on a compatible database).
TEST_F(RehearseImport, NothingPendingSaysTheImportWasNotRehearsed) {
  std::string package = Package(SourcePath("tests/fixtures/export-v1-small"), "v1small");
  ScratchDatabase db("rhi_current");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  ASSERT_EQ(db.Job("migrate").exit_code, 0);
  auto before = db.TableChecksums();
  std::string report = work_ + "/current.json";
  ProcessResult r = db.Job("migrate", {"--dry-run", "--rehearse-import", package, "--report", report});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the import was not rehearsed (nothing pending)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bamort-import-masterdata --dry-run"), std::string::npos) << r.err;
  Poco::JSON::Object::Ptr rh = Report(report).details->getObject("rehearsal");
  ASSERT_FALSE(rh.isNull());
  EXPECT_FALSE(rh->has("import"));
  EXPECT_EQ(db.TableChecksums(), before);
}

TEST_F(RehearseImport, NeedsTheDryRun) {
  ScratchDatabase db("rhi_nodry");
  db.LoadSqlFile(SourcePath("tests/fixtures/legacy-small.sql"));
  auto before = db.TableChecksums();
  ProcessResult r = db.Job("migrate", {"--rehearse-import", work_ + "/none.tar.gz"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--rehearse-import needs --dry-run"), std::string::npos) << r.err;
  EXPECT_EQ(db.TableChecksums(), before);
}

}  // namespace
}  // namespace bamort
