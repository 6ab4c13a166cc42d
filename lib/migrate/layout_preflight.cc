#include "migrate/layout_preflight.h"

#include <limits>
#include <map>
#include <set>

#include "db/operation_mark.h"
#include "schema/expected_schema.h"
#include "schema/introspect.h"

namespace bamort {

namespace {

constexpr int64_t kAlways = std::numeric_limits<int64_t>::max();
// The migration after which the 0.4.0 layout is complete (0003 added its columns, 0005
// its indexes and FKs): below it, the unique indexes and FKs that 0005 adds are checked.
constexpr int64_t kLayoutCompleteAt = 5;

}  // namespace

// Derived from the reference dumps of the two old layouts (schema-init00.sql for legacy,
// schema-v0137.sql for v0.1.37) by one rule: every column that is part of a UNIQUE index
// or a FOREIGN KEY there (primary keys aside), every column migration 0010 reads to
// convert the improvement costs, and the version-table columns the engine reads.
// tests/integration/layout_variants_test.cc checks the key columns against the fixtures.
const std::vector<LayoutRequirement>& LayoutRequirements() {
  static const std::vector<LayoutRequirement> kRequirements = {
    {"legacy", "char_bennies", "character_id", 5, "foreign key fk_char_chars_bennies"},
    {"legacy", "char_characteristics", "character_id", 5, "foreign key fk_char_chars_merkmale"},
    {"legacy", "char_endurances", "character_id", 5, "foreign key fk_char_chars_ap"},
    {"legacy", "char_experiances", "character_id", 5, "foreign key fk_char_chars_erfahrungsschatz"},
    {"legacy", "char_health", "character_id", 5, "foreign key fk_char_chars_lp"},
    {"legacy", "char_motionranges", "character_id", 5, "foreign key fk_char_chars_b"},
    {"legacy", "char_wealth", "character_id", 5, "foreign key fk_char_chars_vermoegen"},
    {"legacy", "equi_containers", "character_id", 5, "foreign key fk_char_chars_behaeltnisse; foreign key fk_char_chars_transportmittel"},
    {"legacy", "equi_equipments", "character_id", 5, "foreign key fk_char_chars_ausruestung"},
    {"legacy", "equi_weapons", "character_id", 5, "foreign key fk_char_chars_waffen"},
    {"legacy", "learning_character_classes", "code", 5, "unique key idx_learning_character_classes_code"},
    {"legacy", "learning_character_classes", "name", 5, "unique key uni_learning_character_classes_name"},
    {"legacy", "learning_character_classes", "source_id", 5, "foreign key fk_learning_character_classes_source"},
    {"legacy", "learning_class_category_ep_costs", "character_class_id", 5, "foreign key fk_learning_class_category_ep_costs_character_class"},
    {"legacy", "learning_class_category_ep_costs", "skill_category_id", 5, "foreign key fk_learning_class_category_ep_costs_skill_category"},
    {"legacy", "learning_class_spell_school_ep_costs", "character_class_id", 5, "foreign key fk_learning_class_spell_school_ep_costs_character_class"},
    {"legacy", "learning_class_spell_school_ep_costs", "spell_school_id", 5, "foreign key fk_learning_class_spell_school_ep_costs_spell_school"},
    {"legacy", "learning_skill_categories", "name", 5, "unique key uni_learning_skill_categories_name"},
    {"legacy", "learning_skill_categories", "source_id", 5, "foreign key fk_learning_skill_categories_source"},
    {"legacy", "learning_skill_category_difficulties", "skill_id", 5, "foreign key fk_learning_skill_category_difficulties_skill"},
    {"legacy", "learning_skill_category_difficulties", "skill_category_id", 10, "foreign key fk_learning_skill_category_difficulties_skill_category; read by migration 0010 (improvement costs)"},
    {"legacy", "learning_skill_category_difficulties", "skill_difficulty_id", 10, "foreign key fk_learning_skill_category_difficulties_skill_difficulty; read by migration 0010 (improvement costs)"},
    {"legacy", "learning_skill_difficulties", "name", 5, "unique key uni_learning_skill_difficulties_name"},
    {"legacy", "learning_skill_improvement_costs", "skill_category_difficulty_id", 10, "foreign key fk_learning_skill_improvement_costs_skill_category_difficulty; read by migration 0010 (improvement costs)"},
    {"legacy", "learning_skill_improvement_costs", "current_level", 10, "read by migration 0010 (improvement costs)"},
    {"legacy", "learning_skill_improvement_costs", "te_required", 10, "read by migration 0010 (improvement costs)"},
    {"legacy", "learning_sources", "code", 5, "unique key idx_learning_sources_code"},
    {"legacy", "learning_sources", "name", 5, "unique key uni_learning_sources_name"},
    {"legacy", "learning_spell_level_le_costs", "level", 5, "unique key idx_learning_spell_level_le_costs_level"},
    {"legacy", "learning_spell_schools", "name", 5, "unique key uni_learning_spell_schools_name"},
    {"legacy", "learning_spell_schools", "source_id", 5, "foreign key fk_learning_spell_schools_source"},
    {"legacy", "skill_skills", "character_id", 5, "foreign key fk_char_chars_fertigkeiten"},
    {"legacy", "skill_spells", "character_id", 5, "foreign key fk_char_chars_zauber"},
    {"legacy", "skill_weaponskills", "character_id", 5, "foreign key fk_char_chars_waffenfertigkeiten"},
    {"legacy", "users", "username", 5, "unique key uni_users_username"},
    {"legacy", "users", "email", 5, "unique key uni_users_email"},
    {"v0.1.37", "char_bennies", "character_id", 5, "foreign key fk_char_chars_bennies"},
    {"v0.1.37", "char_characteristics", "character_id", 5, "foreign key fk_char_chars_merkmale"},
    {"v0.1.37", "char_endurances", "character_id", 5, "foreign key fk_char_chars_ap"},
    {"v0.1.37", "char_experiances", "character_id", 5, "foreign key fk_char_chars_erfahrungsschatz"},
    {"v0.1.37", "char_health", "character_id", 5, "foreign key fk_char_chars_lp"},
    {"v0.1.37", "char_motionranges", "character_id", 5, "foreign key fk_char_chars_b"},
    {"v0.1.37", "char_skills", "character_id", 5, "foreign key fk_char_chars_fertigkeiten"},
    {"v0.1.37", "char_spells", "character_id", 5, "foreign key fk_char_chars_zauber"},
    {"v0.1.37", "char_wealth", "character_id", 5, "foreign key fk_char_chars_vermoegen"},
    {"v0.1.37", "char_weaponskills", "character_id", 5, "foreign key fk_char_chars_waffenfertigkeiten"},
    {"v0.1.37", "equi_containers", "character_id", 5, "foreign key fk_char_chars_behaeltnisse; foreign key fk_char_chars_transportmittel"},
    {"v0.1.37", "equi_equipments", "character_id", 5, "foreign key fk_char_chars_ausruestung"},
    {"v0.1.37", "equi_weapons", "character_id", 5, "foreign key fk_char_chars_waffen"},
    {"v0.1.37", "gsm_cc_class_category_points", "character_class_id", 5, "unique key idx_class_category; foreign key fk_class_learning_points_character_class; foreign key fk_gsm_cc_class_category_points_character_class"},
    {"v0.1.37", "gsm_cc_class_category_points", "skill_category_id", 5, "unique key idx_class_category; foreign key fk_class_learning_points_skill_category; foreign key fk_gsm_cc_class_category_points_skill_category"},
    {"v0.1.37", "gsm_cc_class_spell_points", "character_class_id", 5, "unique key idx_gsm_cc_class_spell_points_character_class_id; foreign key fk_class_spell_points_character_class; foreign key fk_gsm_cc_class_spell_points_character_class"},
    {"v0.1.37", "gsm_cc_class_typical_skills", "character_class_id", 5, "foreign key fk_class_typical_skills_character_class; foreign key fk_gsm_cc_class_typical_skills_character_class"},
    {"v0.1.37", "gsm_cc_class_typical_skills", "skill_id", 5, "foreign key fk_class_typical_skills_skill; foreign key fk_gsm_cc_class_typical_skills_skill"},
    {"v0.1.37", "gsm_cc_class_typical_spells", "character_class_id", 5, "foreign key fk_class_typical_spells_character_class; foreign key fk_gsm_cc_class_typical_spells_character_class"},
    {"v0.1.37", "gsm_cc_class_typical_spells", "spell_id", 5, "foreign key fk_class_typical_spells_spell; foreign key fk_gsm_cc_class_typical_spells_spell"},
    {"v0.1.37", "gsm_character_classes", "code", 5, "unique key idx_gsm_character_classes_code"},
    {"v0.1.37", "gsm_character_classes", "name", 5, "unique key uni_gsm_character_classes_name"},
    {"v0.1.37", "gsm_character_classes", "source_id", 5, "foreign key fk_gsm_character_classes_source; foreign key fk_learning_character_classes_source"},
    {"v0.1.37", "gsm_lit_sources", "code", 5, "unique key idx_gsm_lit_sources_code"},
    {"v0.1.37", "gsm_lit_sources", "name", 5, "unique key uni_gsm_lit_sources_name"},
    {"v0.1.37", "learning_class_category_ep_costs", "character_class_id", 5, "foreign key fk_learning_class_category_ep_costs_character_class"},
    {"v0.1.37", "learning_class_category_ep_costs", "skill_category_id", 5, "foreign key fk_learning_class_category_ep_costs_skill_category"},
    {"v0.1.37", "learning_class_spell_school_ep_costs", "character_class_id", 5, "foreign key fk_learning_class_spell_school_ep_costs_character_class"},
    {"v0.1.37", "learning_class_spell_school_ep_costs", "spell_school_id", 5, "foreign key fk_learning_class_spell_school_ep_costs_spell_school"},
    {"v0.1.37", "learning_skill_categories", "name", 5, "unique key uni_learning_skill_categories_name"},
    {"v0.1.37", "learning_skill_categories", "source_id", 5, "foreign key fk_learning_skill_categories_source"},
    {"v0.1.37", "learning_skill_category_difficulties", "skill_id", 5, "foreign key fk_learning_skill_category_difficulties_skill"},
    {"v0.1.37", "learning_skill_category_difficulties", "skill_category_id", 10, "foreign key fk_learning_skill_category_difficulties_skill_category; read by migration 0010 (improvement costs)"},
    {"v0.1.37", "learning_skill_category_difficulties", "skill_difficulty_id", 10, "foreign key fk_learning_skill_category_difficulties_skill_difficulty; read by migration 0010 (improvement costs)"},
    {"v0.1.37", "learning_skill_difficulties", "name", 5, "unique key uni_learning_skill_difficulties_name"},
    {"v0.1.37", "learning_skill_improvement_costs", "skill_category_difficulty_id", 10, "foreign key fk_learning_skill_improvement_costs_skill_category_difficulty; read by migration 0010 (improvement costs)"},
    {"v0.1.37", "learning_skill_improvement_costs", "current_level", 10, "read by migration 0010 (improvement costs)"},
    {"v0.1.37", "learning_skill_improvement_costs", "te_required", 10, "read by migration 0010 (improvement costs)"},
    {"v0.1.37", "learning_spell_level_le_costs", "level", 5, "unique key idx_learning_spell_level_le_costs_level"},
    {"v0.1.37", "learning_spell_schools", "name", 5, "unique key uni_learning_spell_schools_name"},
    {"v0.1.37", "learning_spell_schools", "source_id", 5, "foreign key fk_learning_spell_schools_source"},
    {"v0.1.37", "learning_weaponskill_category_difficulties", "weapon_skill_id", 5, "foreign key fk_learning_weaponskill_category_difficulties_weapon_skill"},
    {"v0.1.37", "learning_weaponskill_category_difficulties", "skill_category_id", 5, "foreign key fk_learning_weaponskill_category_difficulties_skill_category"},
    {"v0.1.37", "learning_weaponskill_category_difficulties", "skill_difficulty_id", 5, "foreign key fk_learning_weaponskill_category_difficulties_skill_difficulty"},
    {"v0.1.37", "migration_history", "migration_number", kAlways, "unique key idx_migration_history_migration_number; the engine reads the version state from it"},
    {"v0.1.37", "migration_history", "version", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "migration_history", "description", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "migration_history", "applied_at", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "migration_history", "applied_by", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "migration_history", "success", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "migration_history", "error_message", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "schema_version", "version", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "schema_version", "migration_number", kAlways, "the engine reads the version state from it"},
    {"v0.1.37", "users", "username", 5, "unique key uni_users_username"},
    {"v0.1.37", "users", "email", 5, "unique key uni_users_email"},
  };
  return kRequirements;
}

const std::vector<TableRename>& LegacyTableRenames() {
  static const std::vector<TableRename> kRenames = {
      {"learning_sources", "gsm_lit_sources"},     {"learning_character_classes", "gsm_character_classes"},
      {"skill_skills", "char_skills"},             {"skill_spells", "char_spells"},
      {"skill_weaponskills", "char_weaponskills"},
  };
  return kRenames;
}

namespace {

std::string ColumnList(const std::vector<std::string>& columns, const std::string& prefix = "") {
  std::string s;
  for (const std::string& c : columns) s += (s.empty() ? "" : ", ") + prefix + Connection::QuoteIdentifier(c);
  return s;
}

bool HasColumns(const TableSpec& t, const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    if (!t.FindColumn(c)) return false;
  }
  return true;
}

// The live table that becomes `name` of the 0.4.0 layout: the legacy name while 0002 has
// not renamed it yet, else the name itself; nullptr when neither exists (0004 creates it).
const TableSpec* LiveTable(const SchemaSpec& live, const std::string& name) {
  for (const TableRename& r : LegacyTableRenames()) {
    if (name == r.current && live.FindTable(r.legacy)) return live.FindTable(r.legacy);
  }
  return live.FindTable(name);
}

Status CountRows(Connection* conn, const std::string& sql, int64_t* count) {
  Value v;
  BAMORT_RETURN_IF_ERROR(conn->QueryValue(sql, &v));
  *count = v ? std::stoll(*v) : 0;
  return Status::Ok();
}

void CheckRequiredColumns(const SchemaSpec& live, const DbVersionState& state, std::vector<std::string>* problems) {
  for (const LayoutRequirement& r : LayoutRequirements()) {
    if (state.layout != r.layout || state.migration_number >= r.needed_by) continue;
    const TableSpec* t = live.FindTable(r.table);
    if (!t || t->FindColumn(r.column)) continue;  // a missing table is created empty by 0004
    problems->push_back("column " + std::string(r.table) + "." + r.column + " is missing (" + r.why +
                        "): the migrations need its values and cannot make them up");
  }
}

// A unique index 0005 adds must find unique values (rows with a NULL in it never clash).
Status CheckUniqueIndex(Connection* conn, const TableSpec& t, const IndexSpec& index,
                        std::vector<std::string>* problems) {
  if (!HasColumns(t, index.columns)) return Status::Ok();  // the missing column is named on its own
  std::string not_null;
  for (const std::string& c : index.columns) not_null += (not_null.empty() ? "" : " AND ") +
                                                        Connection::QuoteIdentifier(c) + " IS NOT NULL";
  int64_t clashes = 0;
  BAMORT_RETURN_IF_ERROR(CountRows(conn,
                                   "SELECT COUNT(*) FROM (SELECT 1 FROM " + Connection::QuoteIdentifier(t.name) +
                                       " WHERE " + not_null + " GROUP BY " + ColumnList(index.columns) +
                                       " HAVING COUNT(*) > 1) AS d",
                                   &clashes));
  if (clashes > 0) {
    problems->push_back("unique index " + index.name + " cannot be added to " + t.name + ": " +
                        std::to_string(clashes) + " value(s) of (" + ColumnList(index.columns) +
                        ") occur more than once");
  }
  return Status::Ok();
}

// A foreign key 0005 adds must find a parent row for every child row that names one.
Status CheckForeignKey(Connection* conn, const SchemaSpec& live, const TableSpec& t, const ForeignKeySpec& fk,
                       std::vector<std::string>* problems) {
  if (!HasColumns(t, fk.columns)) return Status::Ok();
  const TableSpec* parent = LiveTable(live, fk.ref_table);
  std::string child = Connection::QuoteIdentifier(t.name);
  std::string named;
  for (const std::string& c : fk.columns) named += (named.empty() ? "" : " AND ") + std::string("c.") +
                                                   Connection::QuoteIdentifier(c) + " IS NOT NULL";
  std::string sql = "SELECT COUNT(*) FROM " + child + " AS c WHERE " + named;
  if (parent && HasColumns(*parent, fk.ref_columns)) {
    std::string match;
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      match += (i ? " AND " : "") + std::string("p.") + Connection::QuoteIdentifier(fk.ref_columns[i]) + " = c." +
               Connection::QuoteIdentifier(fk.columns[i]);
    }
    sql += " AND NOT EXISTS (SELECT 1 FROM " + Connection::QuoteIdentifier(parent->name) + " AS p WHERE " + match +
           ")";
  }
  int64_t orphans = 0;
  BAMORT_RETURN_IF_ERROR(CountRows(conn, sql, &orphans));
  if (orphans > 0) {
    problems->push_back("foreign key " + fk.name + " cannot be added to " + t.name + ": " + std::to_string(orphans) +
                        " row(s) name a " + fk.ref_table + " that does not exist (" + ColumnList(fk.columns) + ")");
  }
  return Status::Ok();
}

// The unique indexes and FKs of the 0.4.0 layout that a table lacks are added by 0005.
Status CheckAddedConstraints(Connection* conn, const SchemaSpec& live, std::vector<std::string>* problems) {
  SchemaSpec expected;
  BAMORT_RETURN_IF_ERROR(ExpectedSchemaFor("0.4.0", &expected));
  for (const TableSpec& want : expected.tables) {
    const TableSpec* have = LiveTable(live, want.name);
    if (!have) continue;
    for (const IndexSpec& index : want.indexes) {
      if (index.unique && index.name != "PRIMARY" && !have->FindIndex(index.name)) {
        BAMORT_RETURN_IF_ERROR(CheckUniqueIndex(conn, *have, index, problems));
      }
    }
    for (const ForeignKeySpec& fk : want.foreign_keys) {
      if (!have->FindForeignKey(fk.name)) BAMORT_RETURN_IF_ERROR(CheckForeignKey(conn, live, *have, fk, problems));
    }
  }
  return Status::Ok();
}

}  // namespace

// A database with tables but none that marks a layout the chain knows, and no version
// tables: most likely the wrong database (BAMORT_DB_NAME / MARIADB_DATABASE). The chain
// would create Bamort's tables among someone else's.
static Status RefuseUnknownLayout(Connection* conn, const DbVersionState& state, std::vector<std::string>* problems) {
  ResultSet rs;
  BAMORT_RETURN_IF_ERROR(conn->Query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND " +
          NotOperationMarkCondition() + " ORDER BY TABLE_NAME LIMIT 5",
      &rs));
  std::string some;
  for (size_t i = 0; i < rs.size(); ++i) some += (some.empty() ? "" : ", ") + rs.GetString(i, 0);
  problems->push_back("the database holds " + std::to_string(state.table_count) + " table(s) (" + some +
                      (state.table_count > 5 ? ", ..." : "") +
                      ") but no version tables and none of the tables that mark a Bamort layout (legacy: "
                      "learning_sources or skill_skills; v0.1.37: gsm_lit_sources and gsm_misc; main: game_systems and "
                      "skill_improvement_cost2)");
  return Status::Precondition("unknown layout; nothing was changed: " + problems->back(),
                              "check that BAMORT_DB_NAME / MARIADB_DATABASE names Bamort's database; an empty "
                              "database is set up with bamort-init");
}

Status CheckLayoutPreflight(Connection* conn, const DbVersionState& state, std::vector<std::string>* problems) {
  if (state.layout == "empty") return Status::Ok();
  if (state.layout == "unknown" && !state.has_tracking && state.migration_number == 0) {
    return RefuseUnknownLayout(conn, state, problems);
  }
  SchemaSpec live;
  BAMORT_RETURN_IF_ERROR(IntrospectSchema(conn, &live).WithContext("reading the schema for the layout preflight"));
  size_t before = problems->size();
  CheckRequiredColumns(live, state, problems);
  bool known = state.layout == "legacy" || state.layout == "v0.1.37" || state.layout == "main";
  if (known && state.migration_number < kLayoutCompleteAt) {
    BAMORT_RETURN_IF_ERROR(
        CheckAddedConstraints(conn, live, problems).WithContext("checking the indexes and FKs the migrations add"));
  }
  if (problems->size() == before) return Status::Ok();
  std::string all;
  for (size_t i = before; i < problems->size(); ++i) all += (all.empty() ? "" : "; ") + (*problems)[i];
  return Status::Precondition(
      "the " + state.layout + " layout of this database differs in ways the migrations cannot bring to the expected "
      "schema; nothing was changed: " + all,
      "restore the missing columns with their values from a backup of this database, or fix the rows named here by "
      "hand (docs/MIGRATIONS.md, \"Layout variants\"), then run bamort-migrate again");
}

}  // namespace bamort
