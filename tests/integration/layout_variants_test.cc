// Every known real layout converges (issue 15, item 2). From each old-layout fixture the
// test derives variants by introspection: each non-primary-key column, secondary index and
// FK removed in turn (with what MariaDB cannot keep without it), added leftovers (a column
// and an index on every table, a table) and bad rows (an orphan under a missing FK, a
// duplicate under a missing unique index). Each variant EITHER converges (bamort-migrate
// exits 0, the live schema is exactly the expected schema of the required version, every
// row and character id is kept) OR is refused before anything changes, naming the
// difference (CheckLayoutPreflight, and migrate: exit 3, table checksums unchanged).
// Speed: the fixture is loaded once; a variant's tables come from its SHOW CREATE TABLE
// text minus the removed lines, filled by INSERT ... SELECT on the server. Variant k
// removes item k of every table at once: removals in different tables do not interact and
// a finding names its table. A refused item's table is rebuilt whole, and the rest of the
// variant must then converge. docs/MIGRATIONS.md, "Layout variants", has the numbers.
#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "migrate/layout_preflight.h"
#include "migrate/migration_source.h"
#include "schema/expected_schema.h"
#include "schema/introspect.h"
#include "schema/schema_compare.h"
#include "test_support.h"

namespace bamort {
namespace {

using testing::ProcessResult;
using testing::ScratchDatabase;
using testing::SourcePath;

// bamort-migrate calls CheckLayoutPreflight before the first migration (since 1b685aa), so
// every refusal is checked twice: on the function, and on the process (exit 3, table
// checksums unchanged, the difference named). False checks the function alone.
constexpr bool kMigrateRunsLayoutPreflight = true;
// How many of the real database's variants run (a deterministic, evenly spaced sample).
constexpr size_t kRealFixtureSample = 6;

bool IsTracking(const std::string& t) { return t == "schema_version" || t == "migration_history"; }

std::string CurrentName(const std::string& t) {
  for (const TableRename& r : LegacyTableRenames()) {
    if (t == r.legacy) return r.current;
  }
  return t;
}

struct Item {
  enum Kind { kColumn, kIndex, kForeignKey } kind;
  std::string table, name;
  std::string Key() const {
    static const char* kinds[] = {"column ", "index ", "foreign key "};
    return kinds[kind] + table + "." + name;
  }
  // How a message names it: "users.role"; when the version state cannot be read,
  // MariaDB's "Unknown column 'version'" for a column of a version table.
  bool NamedIn(const std::string& text, bool unreadable) const {
    if (unreadable) return kind == kColumn && IsTracking(table) && text.find("'" + name + "'") != std::string::npos;
    if (kind != kColumn) return text.find(name) != std::string::npos;
    return text.find(table + "." + name) != std::string::npos;
  }
};

struct Variant {
  std::string label;
  std::vector<Item> removed;
  std::vector<std::string> extra_sql;  // run on the variant after the copy
  std::string must_name;               // a bad-data variant: refused, naming this
};

// The items a removal takes along, so that MariaDB can build the table at all.
struct TableCut {
  std::set<std::string> columns, indexes, fks;
};

void CloseCut(const TableSpec& t, TableCut* cut) {
  auto touches = [&](const std::vector<std::string>& cols) {
    for (const std::string& c : cols) {
      if (cut->columns.count(c)) return true;
    }
    return false;
  };
  for (const IndexSpec& i : t.indexes) {
    if (i.name != "PRIMARY" && touches(i.columns)) cut->indexes.insert(i.name);
  }
  for (const ForeignKeySpec& f : t.foreign_keys) {
    if (touches(f.columns)) cut->fks.insert(f.name);
    bool supported = false;  // InnoDB needs an index that starts with the FK's columns
    for (const IndexSpec& i : t.indexes) {
      if (cut->indexes.count(i.name) || i.columns.size() < f.columns.size()) continue;
      supported |= std::equal(f.columns.begin(), f.columns.end(), i.columns.begin());
    }
    if (!supported) cut->fks.insert(f.name);
  }
}

// The CREATE TABLE text without the lines of the cut.
std::string CutCreate(const std::string& create, const TableCut& cut) {
  std::istringstream in(create);
  std::string line, head, tail;
  std::vector<std::string> defs;
  auto named = [&](const std::string& l, const std::string& prefix, const std::set<std::string>& names) {
    for (const std::string& n : names) {
      if (l.rfind(prefix + "`" + n + "`", 0) == 0) return true;
    }
    return false;
  };
  while (std::getline(in, line)) {
    if (head.empty()) { head = line; continue; }
    if (line.rfind(")", 0) == 0) { tail = line; break; }
    if (!line.empty() && line.back() == ',') line.pop_back();
    if (named(line, "  ", cut.columns) || named(line, "  KEY ", cut.indexes) ||
        named(line, "  UNIQUE KEY ", cut.indexes) || named(line, "  CONSTRAINT ", cut.fks)) {
      continue;
    }
    defs.push_back(line);
  }
  std::string out = head + "\n";
  for (size_t i = 0; i < defs.size(); ++i) out += defs[i] + (i + 1 < defs.size() ? ",\n" : "\n");
  return out + tail;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void MustOk(const Status& s, const std::string& what) { ASSERT_TRUE(s.ok()) << what << ": " << s.ToString(); }

// One old-layout fixture, loaded once; variants are copied from it on the server.
class Fixture {
 public:
  Fixture(const std::string& tag, const std::string& sql_path) : base_("lvbase_" + tag) {
    base_.LoadSqlFile(sql_path);
    auto conn = base_.Connect();
    MustOk(IntrospectSchema(conn.get(), &spec_), "introspecting " + sql_path);
    VersionStore store(conn.get());
    DbVersionState state;
    MustOk(store.Read(&state), "reading the fixture's version state");
    layout_ = state.layout;
    for (const TableSpec& t : spec_.tables) {
      ResultSet rs;
      MustOk(conn->Query("SHOW CREATE TABLE " + Connection::QuoteIdentifier(t.name), &rs), "SHOW CREATE TABLE");
      create_[t.name] = rs.GetString(0, 1);
    }
  }
  const SchemaSpec& spec() const { return spec_; }
  const std::string& layout() const { return layout_; }

  // Items of every table in a fixed order: columns, indexes, FKs (primary key aside).
  std::map<std::string, std::vector<Item>> Items() const {
    std::map<std::string, std::vector<Item>> out;
    for (const TableSpec& t : spec_.tables) {
      const IndexSpec* pk = t.PrimaryKey();
      for (const ColumnSpec& c : t.columns) {
        if (!pk || std::find(pk->columns.begin(), pk->columns.end(), c.name) == pk->columns.end()) {
          out[t.name].push_back({Item::kColumn, t.name, c.name});
        }
      }
      for (const IndexSpec& i : t.indexes) {
        if (i.name != "PRIMARY") out[t.name].push_back({Item::kIndex, t.name, i.name});
      }
      for (const ForeignKeySpec& f : t.foreign_keys) out[t.name].push_back({Item::kForeignKey, t.name, f.name});
    }
    return out;
  }

  // Creates (or re-creates) one table of db as the fixture has it, minus the removed items.
  void CopyTable(Connection* conn, const std::string& table, const std::vector<Item>& removed) const {
    TableCut cut;
    for (const Item& i : removed) {
      if (i.table != table) continue;
      (i.kind == Item::kColumn ? cut.columns : i.kind == Item::kIndex ? cut.indexes : cut.fks).insert(i.name);
    }
    const TableSpec& t = *spec_.FindTable(table);
    CloseCut(t, &cut);
    std::vector<std::string> cols;
    for (const ColumnSpec& c : t.columns) {
      if (!cut.columns.count(c.name)) cols.push_back(Connection::QuoteIdentifier(c.name));
    }
    std::string q = Connection::QuoteIdentifier(table);
    MustOk(conn->Execute("DROP TABLE IF EXISTS " + q), "dropping " + table);
    MustOk(conn->Execute(CutCreate(create_.at(table), cut)), "creating " + table);
    MustOk(conn->Execute("INSERT INTO " + q + " (" + Join(cols) + ") SELECT " + Join(cols) + " FROM " +
                         Connection::QuoteIdentifier(base_.name()) + "." + q),
           "copying " + table);
  }

  void Build(const ScratchDatabase& db, const Variant& v) const {
    auto conn = db.Connect();
    MustOk(conn->Execute("SET SESSION foreign_key_checks = 0, unique_checks = 0, "
                         "sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')"),
           "session");
    for (const TableSpec& t : spec_.tables) CopyTable(conn.get(), t.name, v.removed);
    for (const std::string& sql : v.extra_sql) MustOk(conn->Execute(sql), sql);
  }

 private:
  ScratchDatabase base_;
  SchemaSpec spec_;
  std::string layout_;
  std::map<std::string, std::string> create_;
};

// Row counts of the data tables by their 0.4.0 names, and the characters' ids.
struct Rows {
  std::map<std::string, int64_t> counts;
  std::string character_ids;
};

Rows ReadRows(const ScratchDatabase& db) {
  Rows r;
  auto conn = db.Connect();
  ResultSet rs;
  EXPECT_TRUE(conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()", &rs)
                  .ok());
  for (size_t i = 0; i < rs.size(); ++i) {
    std::string t = rs.GetString(i, 0);
    if (IsTracking(t)) continue;
    Value v;
    EXPECT_TRUE(conn->QueryValue("SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(t), &v).ok());
    r.counts[CurrentName(t)] = std::stoll(v.value_or("0"));
  }
  Value ids;
  EXPECT_TRUE(conn->QueryValue("SELECT GROUP_CONCAT(id ORDER BY id) FROM char_chars", &ids).ok());
  r.character_ids = ids.value_or("");
  return r;
}

enum class Outcome { kConverged, kRefused };

class VariantRunner {
 public:
  explicit VariantRunner(const Fixture& f) : fixture_(f) {
    MustOk(ExpectedSchemaFor(RequiredDbVersion().ToString(), &expected_), "expected schema");
  }
  std::map<std::string, Outcome>& outcomes() { return outcomes_; }

  // The unchanged fixture first: its improvement costs, converted, are what every
  // variant must end with (the old table is converted and dropped by migration 0010).
  void RunBaseline() {
    Variant v{"as loaded", {}, {}, ""};
    ScratchDatabase db("lv");
    fixture_.Build(db, v);
    ExpectConverges(db, v, ReadRows(db));
    baseline_cost2_ = db.Count("SELECT COUNT(*) FROM skill_improvement_cost2");
  }

  void Run(const Variant& v) {
    std::vector<std::string> keys;
    for (const Item& i : v.removed) keys.push_back(i.Key());
    SCOPED_TRACE(fixture_.layout() + " variant \"" + v.label + "\" removes: " + Join(keys));
    ScratchDatabase db("lv");
    fixture_.Build(db, v);
    if (::testing::Test::HasFatalFailure()) return;
    std::vector<std::string> problems;
    bool unreadable = false;
    Preflight(db, &problems, &unreadable);
    if (!v.must_name.empty()) {
      EXPECT_NE(Join(problems).find(v.must_name), std::string::npos) << "not refused naming " << v.must_name;
      if (kMigrateRunsLayoutPreflight) ExpectRefusedByMigrate(db, {v.must_name}, false);
      return;
    }
    // The version state is read one table at a time, so an unreadable one may hide the
    // next: refuse, restore the named tables, look again, until nothing is left.
    for (size_t round = 0; !problems.empty(); ++round) {
      std::vector<Item> refused = RefusedItems(v, problems, unreadable);
      ASSERT_FALSE(refused.empty() || round > v.removed.size()) << "refused: " << Join(problems);
      std::vector<std::string> names;
      for (const Item& i : refused) names.push_back(i.name);
      if (unreadable || kMigrateRunsLayoutPreflight) ExpectRefusedByMigrate(db, names, unreadable);
      auto conn = db.Connect();
      MustOk(conn->Execute("SET SESSION foreign_key_checks = 0"), "session");
      for (const Item& i : refused) {
        outcomes_[i.Key()] = Outcome::kRefused;
        fixture_.CopyTable(conn.get(), i.table, {});
      }
      problems.clear();
      Preflight(db, &problems, &unreadable);
    }
    Rows before = ReadRows(db);
    ExpectConverges(db, v, before);
  }

 private:
  void Preflight(const ScratchDatabase& db, std::vector<std::string>* problems, bool* unreadable) {
    auto conn = db.Connect();
    VersionStore store(conn.get());
    DbVersionState state;
    Status read = store.Read(&state);
    *unreadable = !read.ok();
    if (*unreadable) {  // a version table lacks a column the engine reads
      problems->push_back(read.ToString());
      return;
    }
    Status s = CheckLayoutPreflight(conn.get(), state, problems);
    EXPECT_EQ(s.ok(), problems->empty()) << s.ToString();
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kPrecondition) << s.ToString();
    }
  }

  // Every problem is explained by a removed item; those items are the refused ones.
  std::vector<Item> RefusedItems(const Variant& v, const std::vector<std::string>& problems, bool unreadable) {
    std::vector<Item> out;
    for (const std::string& p : problems) {
      bool explained = false;
      for (const Item& i : v.removed) {
        if (!i.NamedIn(p, unreadable)) continue;
        explained = true;
        bool seen = false;
        for (const Item& o : out) seen |= o.Key() == i.Key();
        if (!seen) out.push_back(i);
      }
      EXPECT_TRUE(explained) << "refused for something the variant did not remove: " << p;
    }
    return out;
  }

  // Exit 3, nothing changed, the difference named.
  void ExpectRefusedByMigrate(const ScratchDatabase& db, const std::vector<std::string>& names, bool unreadable) {
    auto before = db.TableChecksums();
    ProcessResult r = db.Job("migrate");
    (void)unreadable;  // an unreadable version state is a precondition too (VersionStore::ReadRecords)
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(db.TableChecksums(), before) << "a refused migrate changed the database";
    for (const std::string& n : names) EXPECT_NE((r.err + r.out).find(n), std::string::npos) << n << ": " << r.err;
  }

  void ExpectConverges(const ScratchDatabase& db, const Variant& v, const Rows& before) {
    ProcessResult r = db.Job("migrate");
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0);
    auto conn = db.Connect();
    SchemaSpec live;
    MustOk(IntrospectSchema(conn.get(), &live), "introspecting the result");
    // Exactly: no failing finding, and no tolerated leftover but the ones the variant added.
    std::vector<std::string> failing;
    for (const SchemaFinding& f : CompareSchema(expected_, live)) {
      bool added = f.table.rfind("zz_leftover", 0) == 0 || f.object.rfind("zz_leftover", 0) == 0;
      if (f.failing() || !added) failing.push_back(f.Describe());
    }
    EXPECT_TRUE(failing.empty()) << "not exactly the expected schema of " << expected_.version << ":\n  "
                                 << Join(failing, "\n  ");
    Rows after = ReadRows(db);
    for (const auto& [table, count] : before.counts) {
      if (table == "learning_skill_improvement_costs") continue;  // converted by 0010, checked below
      EXPECT_EQ(after.counts[table], count) << "rows of " << table;
    }
    if (baseline_cost2_ >= 0) {
      EXPECT_EQ(after.counts["skill_improvement_cost2"], baseline_cost2_);
    }
    EXPECT_EQ(after.character_ids, before.character_ids);
    for (const Item& i : v.removed) {
      if (!outcomes_.count(i.Key())) outcomes_[i.Key()] = Outcome::kConverged;
    }
  }

  const Fixture& fixture_;
  SchemaSpec expected_;
  int64_t baseline_cost2_ = -1;
  std::map<std::string, Outcome> outcomes_;
};

// Variant k removes item k of every table that has one.
std::vector<Variant> Removals(const Fixture& f) {
  std::vector<Variant> out;
  auto items = f.Items();
  for (size_t k = 0;; ++k) {
    Variant v{"removal round " + std::to_string(k + 1), {}, {}, ""};
    for (const auto& [table, list] : items) {
      if (k < list.size()) v.removed.push_back(list[k]);
    }
    if (v.removed.empty()) break;
    out.push_back(v);
  }
  return out;
}

// Leftovers: a column and an index (over its first indexable column) on every table, a table.
Variant Leftovers(const Fixture& f) {
  Variant v{"added leftovers", {}, {}, ""};
  for (const TableSpec& t : f.spec().tables) {
    std::string q = Connection::QuoteIdentifier(t.name);
    std::string index;
    for (const ColumnSpec& c : t.columns) {
      bool indexable = c.type.find("text") == std::string::npos && c.type.find("blob") == std::string::npos;
      if (indexable && (!t.PrimaryKey() || t.PrimaryKey()->columns[0] != c.name)) {
        index = ", ADD INDEX `zz_leftover_idx` (" + Connection::QuoteIdentifier(c.name) + ")";
        break;
      }
    }
    v.extra_sql.push_back("ALTER TABLE " + q + " ADD COLUMN `zz_leftover` varchar(50) NULL" + index);
  }
  v.extra_sql.push_back("CREATE TABLE `zz_leftover_table` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, "
                        "`note` varchar(50), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  v.extra_sql.push_back("INSERT INTO `zz_leftover_table` (`note`) VALUES ('left'), ('over')");
  return v;
}

// Bad rows where a constraint is missing: what the chain would fail on when it adds it.
std::vector<Variant> BadRows(const Fixture& f) {
  std::vector<Variant> out;
  for (const TableSpec& t : f.spec().tables) {
    std::string q = Connection::QuoteIdentifier(t.name);
    if (t.FindForeignKey("fk_char_chars_zauber")) {
      out.push_back({"orphan without its FK", {{Item::kForeignKey, t.name, "fk_char_chars_zauber"}},
                     {"INSERT INTO " + q + " (`character_id`, `name`) VALUES (999999, 'orphan')"},
                     "fk_char_chars_zauber"});
    }
    if (t.FindIndex("uni_users_email")) {
      out.push_back({"duplicate without its unique index", {{Item::kIndex, t.name, "uni_users_email"}},
                     {"UPDATE " + q + " SET `email` = 'twice@example.invalid' ORDER BY `user_id` LIMIT 2"},
                     "uni_users_email"});
    }
  }
  EXPECT_EQ(out.size(), 2u) << "the bad-row variants need fk_char_chars_zauber and uni_users_email";
  return out;
}

// The preflight's data must name real columns of this layout and cover every key column.
void CheckRequirementsAgainst(const Fixture& f) {
  std::set<std::string> listed;
  for (const LayoutRequirement& r : LayoutRequirements()) {
    if (f.layout() != r.layout) continue;
    listed.insert(std::string(r.table) + "." + r.column);
    const TableSpec* t = f.spec().FindTable(r.table);
    EXPECT_TRUE(t && t->FindColumn(r.column)) << r.table << "." << r.column << " is not a column of " << f.layout();
  }
  for (const TableSpec& t : f.spec().tables) {
    std::set<std::string> keys;
    for (const IndexSpec& i : t.indexes) {
      if (i.unique && i.name != "PRIMARY") keys.insert(i.columns.begin(), i.columns.end());
    }
    for (const ForeignKeySpec& fk : t.foreign_keys) keys.insert(fk.columns.begin(), fk.columns.end());
    if (t.PrimaryKey()) {
      for (const std::string& c : t.PrimaryKey()->columns) keys.erase(c);
    }
    for (const std::string& c : keys) EXPECT_TRUE(listed.count(t.name + "." + c)) << "key column " << t.name << "." << c;
  }
}

bool IsRequired(const std::string& layout, const Item& i) {
  for (const LayoutRequirement& r : LayoutRequirements()) {
    if (layout == r.layout && i.kind == Item::kColumn && i.table == r.table && i.name == r.column) return true;
  }
  return false;
}

// Every item ended one way or the other, and the way the rule says.
void CheckOutcomes(const Fixture& f, VariantRunner& runner, const std::vector<Variant>& ran) {
  size_t converged = 0, refused = 0;
  std::vector<std::string> unlisted;  // version-table columns the engine read although not listed
  for (const Variant& v : ran) {
    for (const Item& i : v.removed) {
      auto it = runner.outcomes().find(i.Key());
      if (it == runner.outcomes().end()) {
        ADD_FAILURE() << i.Key() << " neither converged nor was refused";
        continue;
      }
      bool was_refused = it->second == Outcome::kRefused;
      (was_refused ? refused : converged)++;
      bool tracking_read = IsTracking(i.table) && was_refused;  // the engine cannot read its state
      if (!tracking_read) {
        EXPECT_EQ(was_refused, IsRequired(f.layout(), i)) << i.Key();
      } else if (!IsRequired(f.layout(), i)) {
        unlisted.push_back(i.Key());
      }
    }
  }
  std::cout << "[ layouts  ] " << f.layout() << ": " << ran.size() << " variants, " << converged + refused
            << " removed items: " << converged << " converged, " << refused << " refused" << std::endl;
  if (!unlisted.empty()) {
    std::cout << "[ layouts  ] also unreadable for the engine (not in LayoutRequirements): " << Join(unlisted)
              << std::endl;
  }
}

// The items issue 15 names: a legacy users table without role must converge; the costs'
// te_required cannot be made up. A sample always holds their rounds.
const char* const kAnchors[][2] = {{"column users.role", "converges"},
                                   {"column learning_skill_improvement_costs.te_required", "is refused"}};

bool HoldsAnchor(const Variant& v) {
  for (const Item& i : v.removed) {
    for (const auto& a : kAnchors) {
      if (i.Key() == a[0]) return true;
    }
  }
  return false;
}

// sample 0: every round; else that many evenly spaced rounds plus the anchors' rounds.
void RunAll(const std::string& tag, const std::string& sql, size_t sample) {
  Fixture f(tag, sql);
  if (::testing::Test::HasFatalFailure()) return;
  CheckRequirementsAgainst(f);
  VariantRunner runner(f);
  runner.RunBaseline();
  std::vector<Variant> all = Removals(f), ran;
  for (size_t k = 0; k < all.size(); ++k) {
    if (sample == 0 || k % ((all.size() + sample - 1) / sample) == 0 || HoldsAnchor(all[k])) ran.push_back(all[k]);
  }
  for (const Variant& v : ran) runner.Run(v);
  runner.Run(Leftovers(f));
  for (const Variant& v : BadRows(f)) runner.Run(v);
  CheckOutcomes(f, runner, ran);
  for (const auto& a : kAnchors) {
    auto it = runner.outcomes().find(a[0]);
    ASSERT_NE(it, runner.outcomes().end()) << a[0] << " was not among the variants";
    EXPECT_EQ(it->second == Outcome::kRefused ? "is refused" : "converges", std::string(a[1])) << a[0];
  }
}

TEST(LayoutVariants, EveryVariantOfTheLegacyFixtureConvergesOrIsRefused) {
  RunAll("legacy", SourcePath("tests/fixtures/legacy-small.sql"), 0);
}

TEST(LayoutVariants, EveryVariantOfTheV0137FixtureConvergesOrIsRefused) {
  RunAll("v0137", SourcePath("tests/fixtures/v0137-small.sql"), 0);
}

TEST(LayoutVariants, SampleOfTheRealLegacyDatabaseConvergesOrIsRefused) {
  std::string path = testing::RealFixture("legacy-init00.sql");
  if (path.empty()) GTEST_SKIP() << "the real Bamort data (../shared/fixtures/legacy-init00.sql) is absent";
  RunAll("real", path, kRealFixtureSample);
}

}  // namespace
}  // namespace bamort
