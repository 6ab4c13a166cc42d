#include "validate/declared_data.h"

namespace bamort {

const std::vector<SoftReference>& SoftReferences() {
  static const std::vector<SoftReference> refs = [] {
    std::vector<SoftReference> r;
    for (const char* t : {"gsm_skills", "gsm_weaponskills", "gsm_spells", "gsm_equipments", "gsm_weapons",
                          "gsm_containers", "gsm_transportations", "gsm_believes", "gsm_misc", "char_chars",
                          "gsm_lit_sources", "gsm_character_classes", "learning_skill_categories",
                          "learning_skill_difficulties", "learning_spell_schools", "learning_spell_level_le_costs"}) {
      r.push_back({t, "game_system_id", "game_systems", "id"});
    }
    r.push_back({"skill_improvement_cost2", "skill_category_id", "learning_skill_categories", "id"});
    r.push_back({"skill_improvement_cost2", "skill_difficulty_id", "learning_skill_difficulties", "id"});
    r.push_back({"char_shares", "character_id", "char_chars", "id"});
    r.push_back({"char_shares", "user_id", "users", "user_id"});
    return r;
  }();
  return refs;
}

const std::vector<MasterDataTable>& MasterDataTables() {
  static const std::vector<MasterDataTable> tables = {
      {"gsm_lit_sources", true},
      {"gsm_character_classes", true},
      {"learning_skill_categories", true},
      {"learning_skill_difficulties", true},
      {"learning_spell_schools", true},
      {"gsm_skills", true},
      {"gsm_spells", true},
      {"learning_skill_category_difficulties", true},
      {"gsm_weaponskills", false},
      {"gsm_equipments", false},
      {"gsm_weapons", false},
      {"gsm_containers", false},
      {"gsm_transportations", false},
      {"gsm_believes", false},
      {"gsm_misc", false},
      {"learning_class_category_ep_costs", false},
      {"learning_class_spell_school_ep_costs", false},
      {"learning_spell_level_le_costs", false},
      {"learning_weaponskill_category_difficulties", false},
      {"skill_improvement_cost2", false},
      {"gsm_cc_class_category_points", false},
      {"gsm_cc_class_spell_points", false},
      {"gsm_cc_class_typical_skills", false},
      {"gsm_cc_class_typical_spells", false},
      {"game_systems", true},
  };
  return tables;
}

}  // namespace bamort
