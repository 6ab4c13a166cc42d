#include "masterdata/entities.h"

#include <map>
#include <set>

namespace bamort::masterdata {

namespace {

FieldSpec S(const std::string& json, const std::string& column = "") {
  return {json, column.empty() ? json : column, FieldType::kString};
}
FieldSpec I(const std::string& json, const std::string& column = "") {
  return {json, column.empty() ? json : column, FieldType::kInt};
}
FieldSpec F(const std::string& json) { return {json, json, FieldType::kFloat}; }
FieldSpec B(const std::string& json) { return {json, json, FieldType::kBool}; }

// Source by code; optional where the column is nullable (upstream stores 0 and exports "").
ReferenceSpec SourceRef(bool optional) {
  ReferenceSpec r;
  r.target = "sources";
  r.json_fields = {"source_code"};
  r.match_columns = {"code"};
  r.column = "source_id";
  r.optional = optional;
  return r;
}
ReferenceSpec NameRef(const std::string& target, const std::string& json, const std::string& column,
                      const std::string& copy_column = "", int copy_length = 0) {
  ReferenceSpec r;
  r.target = target;
  r.json_fields = {json};
  r.match_columns = {"name"};
  r.column = column;
  r.copy_column = copy_column;
  r.copy_length = copy_length;
  return r;
}
ReferenceSpec ClassCodeRef(const std::string& json) {
  ReferenceSpec r;
  r.target = "character_classes";
  r.json_fields = {json};
  r.match_columns = {"code"};
  r.column = "character_class_id";
  r.copy_column = "character_class";
  r.copy_length = 3;
  return r;
}
ReferenceSpec NameSystemRef(const std::string& target, const std::string& name_json, const std::string& system_json,
                            const std::string& column) {
  ReferenceSpec r;
  r.target = target;
  r.json_fields = {name_json, system_json};
  r.match_columns = {"name", "game_system"};
  r.column = column;
  return r;
}

// The columns skills, spells and equipment share (before and after source_code).
std::vector<FieldSpec> BaseHead() { return {S("name"), S("game_system"), S("beschreibung")}; }

std::vector<FieldSpec> Concat(std::vector<FieldSpec> a, const std::vector<FieldSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

EntitySpec SkillLike(const std::string& name, const std::string& table, const std::string& file) {
  EntitySpec e;
  e.name = name;
  e.table = table;
  e.file_v1 = file;
  e.fields = Concat(BaseHead(), {I("page_number"), I("initialwert"), I("basiswert", "basis_wert"), S("bonuseigenschaft"),
                                 B("improvable"), B("innate_skill"), S("category"), S("difficulty")});
  e.references = {SourceRef(true)};
  e.key = {"name", "game_system"};
  e.has_game_system_id = true;
  e.order_by = {"r.name", "r.game_system"};
  return e;
}

EntitySpec LinkOf(const std::string& name, const std::string& table, const std::string& file, const std::string& parent,
                  const std::string& parent_column) {
  EntitySpec e;
  e.name = name;
  e.table = table;
  e.file_v1 = file;
  e.parent = parent;
  e.parent_field = "categories_difficulties";
  e.parent_column = parent_column;
  e.fields = {I("learn_cost")};
  e.references = {NameRef("skill_categories", "category", "skill_category_id", "skill_category", 25),
                  NameRef("skill_difficulties", "difficulty", "skill_difficulty_id", "skill_difficulty", 15)};
  e.key = {"@parent", "category", "difficulty"};
  e.order_by = {"ref0.name", "ref1.name"};
  return e;
}

EntitySpec EquipmentLike(const std::string& name, const std::string& table, const std::string& file,
                         const std::vector<FieldSpec>& extra) {
  EntitySpec e;
  e.name = name;
  e.table = table;
  e.file_v1 = file;
  e.fields = Concat(Concat(BaseHead(), {I("page_number"), F("gewicht"), F("wert"), B("personal_item")}), extra);
  e.references = {SourceRef(true)};
  e.key = {"name", "game_system"};
  e.has_game_system_id = true;
  e.order_by = {"r.name", "r.game_system"};
  return e;
}

std::vector<EntitySpec> Declare() {
  std::vector<EntitySpec> v;
  {
    EntitySpec e;
    e.name = "sources";
    e.table = "gsm_lit_sources";
    e.file_v1 = "sources.json";
    e.fields = {S("code"), S("name"), S("full_name"), S("edition"), S("publisher"), I("publish_year"),
                S("description"), B("is_core"), B("is_active"), S("game_system")};
    e.key = {"code"};
    e.has_game_system_id = true;
    e.order_by = {"r.code"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "character_classes";
    e.table = "gsm_character_classes";
    e.file_v1 = "character_classes.json";
    e.fields = {S("code"), S("name"), S("description"), S("game_system")};
    e.references = {SourceRef(false)};
    e.key = {"code"};
    e.has_game_system_id = true;
    e.order_by = {"r.code"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "skill_categories";
    e.table = "learning_skill_categories";
    e.file_v1 = "skill_categories.json";
    e.fields = {S("name"), S("game_system")};
    e.references = {SourceRef(false)};
    e.key = {"name"};
    e.has_game_system_id = true;
    e.order_by = {"r.name"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "skill_difficulties";
    e.table = "learning_skill_difficulties";
    e.file_v1 = "skill_difficulties.json";
    e.fields = {S("name"), S("game_system")};
    e.key = {"name"};
    e.has_game_system_id = true;
    e.order_by = {"r.name"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "spell_schools";
    e.table = "learning_spell_schools";
    e.file_v1 = "spell_schools.json";
    e.fields = {S("name"), S("description"), S("game_system")};
    e.references = {SourceRef(false)};
    e.key = {"name"};
    e.has_game_system_id = true;
    e.order_by = {"r.name"};
    v.push_back(e);
  }
  v.push_back(SkillLike("skills", "gsm_skills", "skills.json"));
  v.push_back(LinkOf("skill_category_difficulties", "learning_skill_category_difficulties",
                     "skill_category_difficulties.json", "skills", "skill_id"));
  {
    EntitySpec e;
    e.name = "spells";
    e.table = "gsm_spells";
    e.file_v1 = "spells.json";
    e.fields = Concat(BaseHead(), {I("page_number"), I("bonus"), I("level", "stufe"), S("ap"), S("art"),
                                   S("zauberdauer"), S("reichweite"), S("wirkungsziel"), S("wirkungsbereich"),
                                   S("wirkungsdauer"), S("ursprung"), S("category"), S("learning_category")});
    e.references = {SourceRef(true)};
    e.key = {"name", "game_system"};
    e.has_game_system_id = true;
    e.order_by = {"r.name", "r.game_system"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "class_category_ep_costs";
    e.table = "learning_class_category_ep_costs";
    e.file_v1 = "class_category_ep_costs.json";
    e.fields = {I("ep_per_te")};
    e.references = {ClassCodeRef("character_class_code"),
                    NameRef("skill_categories", "skill_category_name", "skill_category_id", "skill_category", 15)};
    e.key = {"character_class_code", "skill_category_name"};
    e.order_by = {"ref0.code", "ref1.name"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "class_spell_school_ep_costs";
    e.table = "learning_class_spell_school_ep_costs";
    e.file_v1 = "class_spell_school_ep_costs.json";
    e.fields = {I("ep_per_le")};
    e.references = {ClassCodeRef("character_class_code"),
                    NameRef("spell_schools", "spell_school_name", "spell_school_id", "spell_school", 15)};
    e.key = {"character_class_code", "spell_school_name"};
    e.order_by = {"ref0.code", "ref1.name"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "spell_level_le_costs";
    e.table = "learning_spell_level_le_costs";
    e.file_v1 = "spell_level_le_costs.json";
    e.fields = {I("level"), I("le_required"), S("game_system")};
    e.key = {"level"};
    e.has_game_system_id = true;
    e.order_by = {"r.level"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "skill_improvement_costs";
    e.table = "skill_improvement_cost2";
    e.file_v1 = "skill_improvement_costs.json";
    e.fields = {I("current_level"), I("te_required")};
    e.references = {NameRef("skill_categories", "category_name", "skill_category_id"),
                    NameRef("skill_difficulties", "difficulty_name", "skill_difficulty_id")};
    e.key = {"category_name", "difficulty_name", "current_level"};
    e.order_by = {"ref0.name", "ref1.name", "r.current_level"};
    v.push_back(e);
  }
  v.push_back(SkillLike("weapon_skills", "gsm_weaponskills", "weapon_skills.json"));
  v.push_back(LinkOf("weaponskill_category_difficulties", "learning_weaponskill_category_difficulties",
                     "weaponskill_category_difficulties.json", "weapon_skills", "weapon_skill_id"));
  v.push_back(EquipmentLike("equipment", "gsm_equipments", "equipment.json", {}));
  // skill_required stays text: upstream stores a weapon-skill name or 'check' there.
  v.push_back(EquipmentLike("weapons", "gsm_weapons", "weapons.json",
                            {S("skill_required"), S("damage"), I("range_near"), I("range_middle"), I("range_far")}));
  v.push_back(EquipmentLike("containers", "gsm_containers", "containers.json", {F("tragkraft"), F("volumen")}));
  v.push_back(
      EquipmentLike("transportation", "gsm_transportations", "transportation.json", {F("tragkraft"), F("volumen")}));
  {
    EntitySpec e;
    e.name = "believes";
    e.table = "gsm_believes";
    e.file_v1 = "believes.json";
    e.fields = Concat(BaseHead(), {I("page_number")});
    e.references = {SourceRef(true)};
    e.key = {"name", "game_system"};
    e.has_game_system_id = true;
    e.order_by = {"r.name", "r.game_system"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "class_category_learning_points";
    e.table = "gsm_cc_class_category_points";
    e.file_v1 = "class_category_learning_points.json";
    e.fields = {I("points")};
    e.references = {NameRef("character_classes", "class_name", "character_class_id"),
                    NameRef("skill_categories", "category_name", "skill_category_id")};
    e.key = {"class_name", "category_name"};
    e.order_by = {"ref0.name", "ref1.name"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "class_spell_points";
    e.table = "gsm_cc_class_spell_points";
    e.file_v1 = "class_spell_points.json";
    e.fields = {I("spell_points")};
    e.references = {NameRef("character_classes", "class_name", "character_class_id")};
    e.key = {"class_name"};
    e.order_by = {"ref0.name"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "class_typical_skills";
    e.table = "gsm_cc_class_typical_skills";
    e.file_v1 = "class_typical_skills.json";
    e.fields = {I("bonus"), S("attribute"), S("notes")};
    e.references = {NameRef("character_classes", "class_name", "character_class_id"),
                    NameSystemRef("skills", "skill_name", "skill_system", "skill_id")};
    e.key = {"class_name", "skill_name"};
    e.order_by = {"ref0.name", "ref1.name", "ref1.game_system"};
    v.push_back(e);
  }
  {
    EntitySpec e;
    e.name = "class_typical_spells";
    e.table = "gsm_cc_class_typical_spells";
    e.file_v1 = "class_typical_spells.json";
    e.fields = {S("notes")};
    e.references = {NameRef("character_classes", "class_name", "character_class_id"),
                    NameSystemRef("spells", "spell_name", "spell_system", "spell_id")};
    e.key = {"class_name", "spell_name"};
    e.order_by = {"ref0.name", "ref1.name", "ref1.game_system"};
    v.push_back(e);
  }
  {
    // Keyed by key AND value (upstream's import matched on key alone and collapsed values).
    EntitySpec e;
    e.name = "misc_lookups";
    e.table = "gsm_misc";
    e.file_v1 = "misc_lookups.json";
    e.fields = {S("key"), S("value"), I("page_number")};
    e.references = {SourceRef(true)};
    e.key = {"key", "value"};
    e.has_game_system_id = true;
    e.order_by = {"r.`key`", "r.value"};
    v.push_back(e);
  }
  return v;
}

}  // namespace

const std::vector<EntitySpec>& Entities() {
  static const std::vector<EntitySpec>* entities = new std::vector<EntitySpec>(Declare());
  return *entities;
}

const EntitySpec* FindEntity(const std::string& name) {
  for (const EntitySpec& e : Entities())
    if (e.name == name) return &e;
  return nullptr;
}

namespace {

std::vector<std::string> Dependencies(const EntitySpec& e) {
  std::vector<std::string> deps;
  if (!e.parent.empty()) deps.push_back(e.parent);
  for (const ReferenceSpec& r : e.references) deps.push_back(r.target);
  return deps;
}

}  // namespace

Status ValidateEntities(const std::vector<EntitySpec>& entities) {
  std::set<std::string> names;
  for (const EntitySpec& e : entities) {
    if (e.name.empty() || e.table.empty()) return Status::Failed("master-data declaration: an entity has no name or table");
    if (!names.insert(e.name).second) return Status::Failed("master-data declaration: entity '" + e.name + "' declared twice");
  }
  for (const EntitySpec& e : entities) {
    for (const std::string& d : Dependencies(e))
      if (!names.count(d))
        return Status::Failed("master-data declaration: entity '" + e.name + "' refers to unknown entity '" + d + "'");
    if (!e.parent.empty() && (e.parent_field.empty() || e.parent_column.empty()))
      return Status::Failed("master-data declaration: embedded entity '" + e.name + "' lacks parent_field or parent_column");
    if (e.key.empty()) return Status::Failed("master-data declaration: entity '" + e.name + "' has no natural key");
    for (const std::string& k : e.key) {
      bool found = (k == "@parent" && !e.parent.empty());
      for (const FieldSpec& f : e.fields) found = found || f.json == k;
      for (const ReferenceSpec& r : e.references) found = found || r.json_fields.at(0) == k;
      if (!found)
        return Status::Failed("master-data declaration: key part '" + k + "' of entity '" + e.name +
                              "' is neither a field nor a reference");
    }
    for (const ReferenceSpec& r : e.references)
      if (r.json_fields.empty() || r.json_fields.size() != r.match_columns.size() || r.column.empty())
        return Status::Failed("master-data declaration: a reference of entity '" + e.name + "' is incomplete");
  }
  std::vector<const EntitySpec*> order;
  return ImportOrder(entities, &order);
}

Status ImportOrder(const std::vector<EntitySpec>& entities, std::vector<const EntitySpec*>* out) {
  // Kahn's algorithm; among ready entities the first declared goes first, so the order
  // is deterministic and close to the declaration.
  std::map<std::string, const EntitySpec*> by_name;
  for (const EntitySpec& e : entities) by_name[e.name] = &e;
  std::map<std::string, std::set<std::string>> pending;
  for (const EntitySpec& e : entities) {
    for (const std::string& d : Dependencies(e)) {
      if (!by_name.count(d))
        return Status::Failed("master-data declaration: entity '" + e.name + "' refers to unknown entity '" + d + "'");
      if (d != e.name) pending[e.name].insert(d);
      else return Status::Failed("master-data declaration: entity '" + e.name + "' refers to itself (cycle)");
    }
  }
  out->clear();
  std::set<std::string> done;
  while (out->size() < entities.size()) {
    const EntitySpec* next = nullptr;
    for (const EntitySpec& e : entities) {
      if (done.count(e.name)) continue;
      bool ready = true;
      for (const std::string& d : pending[e.name]) ready = ready && done.count(d);
      if (ready) {
        next = &e;
        break;
      }
    }
    if (!next) {
      std::string cycle;
      for (const EntitySpec& e : entities)
        if (!done.count(e.name)) cycle += (cycle.empty() ? "" : ", ") + e.name;
      return Status::Failed("master-data declaration: the references form a cycle among: " + cycle);
    }
    done.insert(next->name);
    out->push_back(next);
  }
  return Status::Ok();
}

}  // namespace bamort::masterdata
