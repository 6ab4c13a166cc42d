#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include "backup/manifest.h"
#include "common/file_io.h"

extern char** environ;

namespace bamort::testing {

namespace {

std::atomic<int> g_counter{0};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string TempPath(const std::string& tag) {
  return ::testing::TempDir() + "/bamort-" + std::to_string(getpid()) + "-" + std::to_string(++g_counter) + "-" + tag;
}

std::string NewTempDir(const std::string& tag) {
  std::string dir = TempPath(tag);
  EXPECT_TRUE(MakeDirs(dir).ok()) << dir;
  return dir;
}

std::string ReadWholeFile(const std::string& path) { return ReadAll(path); }

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> BackupSetDirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& n : DirEntries(dir)) {
    Manifest m;
    if (n[0] != '.' && ReadManifest(dir + "/" + n + "/manifest.json", &m).ok()) out.push_back(dir + "/" + n);
  }
  return out;
}

Poco::JSON::Object::Ptr ParseObject(const std::string& text) {
  try {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a JSON object (" << e.what() << "): " << text.substr(0, 500);
    return new Poco::JSON::Object();
  }
}

StepReport ReadReportOrFail(const std::string& path) {
  StepReport r;
  Status s = ReadReport(path, &r);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  return r;
}

DbConfig ServerConfig() {
  DbConfig c;
  Status s = LoadDbConfig(ProcessEnv(), DbFlags(), false, &c);
  if (!s.ok()) {
    ADD_FAILURE() << "integration tests need the test server: run them through scripts/test.sh, or eval "
                     "\"$(scripts/dev-db.sh start)\" first (" << s.ToString() << ")";
  }
  return c;
}

std::string SourcePath(const std::string& relative) { return std::string(BAMORT_SOURCE_DIR) + "/" + relative; }
std::string BinaryPath(const std::string& job) {
  // The test-only bamort-<job>-faults have their own folder (tests/CMakeLists.txt).
  const bool faults = job.size() > 7 && job.compare(job.size() - 7, 7, "-faults") == 0;
  return std::string(BAMORT_BINARY_DIR) + (faults ? "/faults" : "") + "/bamort-" + job;
}

std::string RealFixture(const std::string& name) {
  const char* env = std::getenv("BAMORT_REAL_FIXTURES");
  std::string dir = env && *env ? env : SourcePath("../shared/fixtures");
  std::string path = dir + "/" + name;
  return Poco::File(path).exists() ? path : "";
}

namespace {

// fork + execve with the current environment plus env (an empty value removes a
// variable), stdin from /dev/null, stdout and stderr into the two files.
pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& out_path, const std::string& err_path) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) {
    if (v.empty()) merged.erase(k);
    else merged[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int ExitCodeOf(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  std::string out_path = TempPath("out"), err_path = TempPath("err");
  pid_t pid = Spawn(argv, env, out_path, err_path);
  ProcessResult r;
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = ExitCodeOf(status);
  r.out = ReadAll(out_path);
  r.err = ReadAll(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env)
    : argv0_(argv.empty() ? "" : argv[0]), out_path_(TempPath("bg-out")), err_path_(TempPath("bg-err")) {
  pid_ = Spawn(argv, env, out_path_, err_path_);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(out_path_.c_str());
  unlink(err_path_.c_str());
}

std::string BackgroundProcess::out() const { return ReadAll(out_path_); }
std::string BackgroundProcess::err() const { return ReadAll(err_path_); }

bool BackgroundProcess::Reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, block ? 0 : WNOHANG) != pid_) return false;
  exit_code_ = ExitCodeOf(status);
  pid_ = -1;
  return true;
}

std::string BackgroundProcess::WaitForLine(const std::string& marker, int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 50) {
    std::string text = out();
    size_t at = text.find(marker);
    if (at != std::string::npos) {
      size_t end = text.find('\n', at);
      if (end != std::string::npos) return text.substr(at + marker.size(), end - at - marker.size());
    }
    if (Reap(false)) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

int BackgroundProcess::Kill(int signal) {
  if (pid_ > 0) kill(pid_, signal);
  return Wait();
}

int BackgroundProcess::Wait() {
  Reap(true);
  return exit_code_;
}

int BackgroundProcess::Stop(int timeout_ms) {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, SIGTERM);
  for (int waited = 0; waited <= timeout_ms; waited += 50) {
    if (Reap(false)) return exit_code_;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << argv0_ << " did not stop within " << timeout_ms << " ms of SIGTERM";
  return -1;
}

ScratchDatabase::ScratchDatabase(const std::string& prefix) {
  name_ = "t_" + prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++g_counter);
  std::unique_ptr<Connection> conn;
  Status s = Connection::Open(ServerConfig(), &conn, /*use_database=*/false);
  if (!s.ok()) {
    ADD_FAILURE() << s.ToString();
    return;
  }
  s = conn->Execute("CREATE DATABASE `" + name_ + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
  if (!s.ok()) ADD_FAILURE() << s.ToString();
}

ScratchDatabase::~ScratchDatabase() {
  std::unique_ptr<Connection> conn;
  if (Connection::Open(ServerConfig(), &conn, false).ok()) conn->Execute("DROP DATABASE IF EXISTS `" + name_ + "`");
}

DbConfig ScratchDatabase::config() const {
  DbConfig c = ServerConfig();
  c.name = name_;
  return c;
}

std::unique_ptr<Connection> ScratchDatabase::Connect() const {
  std::unique_ptr<Connection> conn;
  Status s = Connection::Open(config(), &conn);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  return conn;
}

void ScratchDatabase::LoadSqlFile(const std::string& path) const {
  DbConfig c = config();
  // The password reaches the client through a 0600 defaults file, never argv.
  std::string defaults = TempPath("my.cnf");
  ASSERT_TRUE(WriteFileAtomic(defaults, "[client]\npassword=\"" + c.password + "\"\n", 0600).ok());
  std::string sql_path = path;
  ProcessResult r = RunProcess({"/bin/sh", "-c",
                                "exec mariadb --defaults-extra-file=\"$1\" --host=\"$2\" --port=\"$3\" --user=\"$4\" "
                                "--default-character-set=utf8mb4 \"$5\" < \"$6\"",
                                "sh", defaults, c.host, std::to_string(c.port), c.user, name_, sql_path});
  unlink(defaults.c_str());
  ASSERT_EQ(r.exit_code, 0) << "loading " << path << ": " << r.err;
}

ProcessResult ScratchDatabase::Job(const std::string& job, std::vector<std::string> args,
                                   std::map<std::string, std::string> env) const {
  args.insert(args.begin(), BinaryPath(job));
  if (!env.count("BAMORT_DB_NAME")) env["BAMORT_DB_NAME"] = name_;
  return RunProcess(args, env);
}

std::unique_ptr<BackgroundProcess> ScratchDatabase::StartJob(const std::string& job, std::vector<std::string> args,
                                                             std::map<std::string, std::string> env) const {
  args.insert(args.begin(), BinaryPath(job));
  if (!env.count("BAMORT_DB_NAME")) env["BAMORT_DB_NAME"] = name_;
  return std::make_unique<BackgroundProcess>(args, env);
}

std::map<std::string, std::string> ScratchDatabase::TableChecksums() const {
  auto conn = Connect();
  std::map<std::string, std::string> out;
  if (!conn) return out;
  ResultSet tables;
  EXPECT_TRUE(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()", &tables)
                  .ok());
  for (size_t i = 0; i < tables.size(); ++i) {
    std::string t = tables.GetString(i, 0);
    ResultSet rs, count;
    EXPECT_TRUE(conn->Query("CHECKSUM TABLE " + Connection::QuoteIdentifier(t), &rs).ok());
    EXPECT_TRUE(conn->Query("SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(t), &count).ok());
    out[t] = rs.GetString(0, 1, "NULL") + "/" + count.GetString(0, 0);
  }
  return out;
}

std::vector<std::string> ScratchDatabase::SchemaSignature() const {
  auto conn = Connect();
  std::vector<std::string> out;
  if (!conn) return out;
  const char* queries[] = {
      "SELECT CONCAT('table ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
      "SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' default=', "
      "COALESCE(COLUMN_DEFAULT, '<none>'), ' ', EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
      "SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, IF(NON_UNIQUE = 0, ' unique', ''), ' (', "
      "GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')') FROM information_schema.STATISTICS "
      "WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE",
      "SELECT CONCAT('fk ', rc.TABLE_NAME, '.', rc.CONSTRAINT_NAME, ' (', GROUP_CONCAT(k.COLUMN_NAME ORDER BY "
      "k.ORDINAL_POSITION), ') -> ', rc.REFERENCED_TABLE_NAME, ' (', GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY "
      "k.ORDINAL_POSITION), ') update ', rc.UPDATE_RULE, ' delete ', rc.DELETE_RULE) "
      "FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k "
      "ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME "
      "AND k.TABLE_NAME = rc.TABLE_NAME WHERE rc.CONSTRAINT_SCHEMA = DATABASE() "
      "GROUP BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE"};
  for (const char* q : queries) {
    ResultSet rs;
    Status s = conn->Query(q, &rs);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs.GetString(i, 0));
  }
  std::sort(out.begin(), out.end());
  return out;
}

int64_t ScratchDatabase::Count(const std::string& sql) const { return std::stoll(Scalar(sql)); }

std::string ScratchDatabase::Scalar(const std::string& sql) const {
  auto conn = Connect();
  Value v;
  Status s = conn->QueryValue(sql, &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return v ? *v : "NULL";
}

namespace {
std::atomic<int> g_support_serial{0};
std::string SupportTempPath(const std::string& tag) {
  return ::testing::TempDir() + "/support-" + std::to_string(getpid()) + "-" + std::to_string(++g_support_serial) +
         "-" + tag;
}
}  // namespace

DatabaseUser::DatabaseUser(const ScratchDatabase& db, const std::string& privileges) {
  name_ = "u" + std::to_string(getpid() % 100000) + "_" + std::to_string(++g_support_serial);
  password_ = "Pw-" + name_ + "-x7!";
  password_file_ = SupportTempPath("password");
  EXPECT_TRUE(WriteFileAtomic(password_file_, password_, 0600).ok());
  auto admin = db.Connect();
  EXPECT_TRUE(admin->Execute("CREATE USER '" + name_ + "'@'%' IDENTIFIED BY " + admin->Quote(password_)).ok());
  EXPECT_TRUE(admin->Execute("GRANT " + privileges + " ON " + Connection::QuoteIdentifier(db.name()) + ".* TO '" +
                             name_ + "'@'%'")
                  .ok());
}

DatabaseUser::~DatabaseUser() {
  std::unique_ptr<Connection> admin;
  if (Connection::Open(ServerConfig(), &admin, false).ok()) {
    (void)admin->Execute("DROP USER IF EXISTS '" + name_ + "'@'%'");
  }
  unlink(password_file_.c_str());
}

std::map<std::string, std::string> DatabaseUser::env() const {
  return {{"BAMORT_DB_USER", name_}, {"BAMORT_DB_PASSWORD_FILE", password_file_}, {"BAMORT_DB_PASSWORD", ""}};
}

std::string SabotagedMigrations(const std::string& prefix, const std::string& extra) {
  std::string dir = SupportTempPath("migrations");
  Poco::File(dir).createDirectories();
  std::string src = SourcePath("migrations");
  std::vector<std::string> names;
  Poco::File(src).list(names);
  bool found = false;
  for (const std::string& name : names) {
    std::ifstream in(src + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (name.rfind(prefix, 0) == 0) {
      size_t down = text.find("-- +down");
      EXPECT_NE(down, std::string::npos) << name;
      if (down != std::string::npos) text.insert(down, extra + "\n");
      found = true;
    }
    std::ofstream(dir + "/" + name) << text;
  }
  EXPECT_TRUE(found) << "no migration file starts with " << prefix;
  return dir;
}

std::vector<std::string> Missing(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::set<std::string> sb(b.begin(), b.end());
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (!sb.count(x)) out.push_back(x);
  }
  return out;
}

}  // namespace bamort::testing
