-- version: 0.4.0
-- description: Legacy layout: give the renamed tables their v0.1.37 index and FK names (gsm_lit_sources, gsm_character_classes, char_skills, char_spells, char_weaponskills), then add every index and FK of the 0.4.0 layout a table lacks
-- +up
-- The unique indexes are renamed (add the new name, drop the old one in the same ALTER);
-- the plain indexes get their new names added and the old idx_skill_* / idx_learning_*
-- names stay, as in v0.1.37 (0012 drops those leftovers together with v0.1.37's).
-- fk_gsm_character_classes_source is added beside the old fk_learning_character_classes_source
-- (dropped in 0012).
-- Then every index and FK of the 0.4.0 layout that a table lacks is added, with the
-- definition a fresh database has (two blocks generated from lib/schema/expected/0.4.0.json):
-- the new names on the renamed legacy tables, and whatever a real layout variant lacks.
-- Indexes come first, so that each FK finds its index and InnoDB makes none of its own.
-- A missing FK is added with foreign_key_checks on (a table copy that checks every row);
-- lib/migrate/layout_preflight.h refuses a database with orphans before anything runs.
-- All clauses are IF [NOT] EXISTS: a no-op where the work is done (no table is rebuilt).
ALTER TABLE IF EXISTS `gsm_lit_sources`
  ADD UNIQUE INDEX IF NOT EXISTS `idx_gsm_lit_sources_code` (`code`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_gsm_lit_sources_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_lit_sources_game_system` (`game_system`),
  DROP INDEX IF EXISTS `idx_learning_sources_code`,
  DROP INDEX IF EXISTS `uni_learning_sources_name`;

ALTER TABLE IF EXISTS `gsm_character_classes`
  ADD UNIQUE INDEX IF NOT EXISTS `uni_gsm_character_classes_name` (`name`),
  ADD UNIQUE INDEX IF NOT EXISTS `idx_gsm_character_classes_code` (`code`),
  ADD INDEX IF NOT EXISTS `idx_gsm_character_classes_source_id` (`source_id`),
  ADD INDEX IF NOT EXISTS `idx_gsm_character_classes_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_character_classes_quelle` (`quelle`),
  DROP INDEX IF EXISTS `idx_learning_character_classes_code`,
  DROP INDEX IF EXISTS `uni_learning_character_classes_name`;

-- On a legacy database the character tables already carry these indexes under their old
-- idx_skill_* names. Renaming them is a metadata change, where adding the new names would
-- build every index a second time over what can be millions of rows (scripts/bench.sh
-- measured about half of the whole upgrade in those index builds) only for 0012 to drop
-- the old ones. Where both names exist (v0.1.37), nothing is renamed.
SET @s = (SELECT IF(SUM(INDEX_NAME = 'idx_skill_skills_character_id') > 0 AND SUM(INDEX_NAME = 'idx_char_skills_character_id') = 0,
  'ALTER TABLE `char_skills` RENAME INDEX `idx_skill_skills_character_id` TO `idx_char_skills_character_id`', 'DO 0')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_skills');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = (SELECT IF(SUM(INDEX_NAME = 'idx_skill_skills_user_id') > 0 AND SUM(INDEX_NAME = 'idx_char_skills_user_id') = 0,
  'ALTER TABLE `char_skills` RENAME INDEX `idx_skill_skills_user_id` TO `idx_char_skills_user_id`', 'DO 0')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_skills');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = (SELECT IF(SUM(INDEX_NAME = 'idx_skill_spells_character_id') > 0 AND SUM(INDEX_NAME = 'idx_char_spells_character_id') = 0,
  'ALTER TABLE `char_spells` RENAME INDEX `idx_skill_spells_character_id` TO `idx_char_spells_character_id`', 'DO 0')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_spells');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = (SELECT IF(SUM(INDEX_NAME = 'idx_skill_spells_user_id') > 0 AND SUM(INDEX_NAME = 'idx_char_spells_user_id') = 0,
  'ALTER TABLE `char_spells` RENAME INDEX `idx_skill_spells_user_id` TO `idx_char_spells_user_id`', 'DO 0')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_spells');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = (SELECT IF(SUM(INDEX_NAME = 'idx_skill_weaponskills_character_id') > 0 AND SUM(INDEX_NAME = 'idx_char_weaponskills_character_id') = 0,
  'ALTER TABLE `char_weaponskills` RENAME INDEX `idx_skill_weaponskills_character_id` TO `idx_char_weaponskills_character_id`', 'DO 0')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_weaponskills');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = (SELECT IF(SUM(INDEX_NAME = 'idx_skill_weaponskills_user_id') > 0 AND SUM(INDEX_NAME = 'idx_char_weaponskills_user_id') = 0,
  'ALTER TABLE `char_weaponskills` RENAME INDEX `idx_skill_weaponskills_user_id` TO `idx_char_weaponskills_user_id`', 'DO 0')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_weaponskills');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

-- >>> ensure indexes (generated by tests/sql/gen-layout-ensure.py; do not edit by hand)
ALTER TABLE IF EXISTS `char_bennies`
  ADD INDEX IF NOT EXISTS `idx_char_bennies_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_bennies_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_char_creation_session`
  ADD INDEX IF NOT EXISTS `idx_char_char_creation_session_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_characteristics`
  ADD INDEX IF NOT EXISTS `idx_char_characteristics_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_characteristics_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_chars`
  ADD INDEX IF NOT EXISTS `idx_char_chars_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_eigenschaften`
  ADD INDEX IF NOT EXISTS `idx_char_eigenschaften_id` (`id`),
  ADD INDEX IF NOT EXISTS `idx_char_eigenschaften_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_endurances`
  ADD INDEX IF NOT EXISTS `idx_char_endurances_character_id` (`character_id`);
ALTER TABLE IF EXISTS `char_experiances`
  ADD INDEX IF NOT EXISTS `idx_char_experiances_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_experiances_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_health`
  ADD INDEX IF NOT EXISTS `idx_char_health_character_id` (`character_id`);
ALTER TABLE IF EXISTS `char_motionranges`
  ADD INDEX IF NOT EXISTS `idx_char_motionranges_character_id` (`character_id`);
ALTER TABLE IF EXISTS `char_skills`
  ADD INDEX IF NOT EXISTS `idx_char_skills_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_skills_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_spells`
  ADD INDEX IF NOT EXISTS `idx_char_spells_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_spells_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_wealth`
  ADD INDEX IF NOT EXISTS `idx_char_wealth_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_wealth_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_weaponskills`
  ADD INDEX IF NOT EXISTS `idx_char_weaponskills_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_weaponskills_user_id` (`user_id`);
ALTER TABLE IF EXISTS `equi_containers`
  ADD INDEX IF NOT EXISTS `idx_equi_containers_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_equi_containers_user_id` (`user_id`);
ALTER TABLE IF EXISTS `equi_equipments`
  ADD INDEX IF NOT EXISTS `idx_equi_equipments_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_equi_equipments_user_id` (`user_id`);
ALTER TABLE IF EXISTS `equi_weapons`
  ADD INDEX IF NOT EXISTS `idx_equi_weapons_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_equi_weapons_user_id` (`user_id`);
ALTER TABLE IF EXISTS `gsm_believes`
  ADD INDEX IF NOT EXISTS `idx_gsm_believes_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_believes_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_believes_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_cc_class_category_points`
  ADD INDEX IF NOT EXISTS `fk_gsm_cc_class_category_points_skill_category` (`skill_category_id`),
  ADD UNIQUE INDEX IF NOT EXISTS `idx_class_category` (`character_class_id`, `skill_category_id`);
ALTER TABLE IF EXISTS `gsm_cc_class_spell_points`
  ADD UNIQUE INDEX IF NOT EXISTS `idx_gsm_cc_class_spell_points_character_class_id` (`character_class_id`);
ALTER TABLE IF EXISTS `gsm_cc_class_typical_skills`
  ADD INDEX IF NOT EXISTS `idx_gsm_cc_class_typical_skills_character_class_id` (`character_class_id`),
  ADD INDEX IF NOT EXISTS `idx_gsm_cc_class_typical_skills_skill_id` (`skill_id`);
ALTER TABLE IF EXISTS `gsm_cc_class_typical_spells`
  ADD INDEX IF NOT EXISTS `idx_gsm_cc_class_typical_spells_character_class_id` (`character_class_id`),
  ADD INDEX IF NOT EXISTS `idx_gsm_cc_class_typical_spells_spell_id` (`spell_id`);
ALTER TABLE IF EXISTS `gsm_character_classes`
  ADD UNIQUE INDEX IF NOT EXISTS `idx_gsm_character_classes_code` (`code`),
  ADD INDEX IF NOT EXISTS `idx_gsm_character_classes_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_character_classes_quelle` (`quelle`),
  ADD INDEX IF NOT EXISTS `idx_gsm_character_classes_source_id` (`source_id`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_gsm_character_classes_name` (`name`);
ALTER TABLE IF EXISTS `gsm_containers`
  ADD INDEX IF NOT EXISTS `idx_gsm_containers_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_containers_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_containers_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_equipments`
  ADD INDEX IF NOT EXISTS `idx_gsm_equipments_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_equipments_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_equipments_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_lit_sources`
  ADD UNIQUE INDEX IF NOT EXISTS `idx_gsm_lit_sources_code` (`code`),
  ADD INDEX IF NOT EXISTS `idx_gsm_lit_sources_game_system` (`game_system`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_gsm_lit_sources_name` (`name`);
ALTER TABLE IF EXISTS `gsm_misc`
  ADD INDEX IF NOT EXISTS `idx_gsm_misc_key` (`key`);
ALTER TABLE IF EXISTS `gsm_skills`
  ADD INDEX IF NOT EXISTS `idx_gsm_skills_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_skills_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_skills_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_spells`
  ADD INDEX IF NOT EXISTS `idx_gsm_spells_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_spells_learning_category` (`learning_category`),
  ADD INDEX IF NOT EXISTS `idx_gsm_spells_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_spells_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_transportations`
  ADD INDEX IF NOT EXISTS `idx_gsm_transportations_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_transportations_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_transportations_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_weapons`
  ADD INDEX IF NOT EXISTS `idx_gsm_weapons_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_weapons_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_weapons_source_id` (`source_id`);
ALTER TABLE IF EXISTS `gsm_weaponskills`
  ADD INDEX IF NOT EXISTS `idx_gsm_weaponskills_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_gsm_weaponskills_name` (`name`),
  ADD INDEX IF NOT EXISTS `idx_gsm_weaponskills_source_id` (`source_id`);
ALTER TABLE IF EXISTS `learning_class_category_ep_costs`
  ADD INDEX IF NOT EXISTS `idx_learning_class_category_ep_costs_cc_lass` (`character_class`),
  ADD INDEX IF NOT EXISTS `idx_learning_class_category_ep_costs_character_class_id` (`character_class_id`),
  ADD INDEX IF NOT EXISTS `idx_learning_class_category_ep_costs_s_category` (`skill_category`),
  ADD INDEX IF NOT EXISTS `idx_learning_class_category_ep_costs_skill_category_id` (`skill_category_id`);
ALTER TABLE IF EXISTS `learning_class_spell_school_ep_costs`
  ADD INDEX IF NOT EXISTS `idx_learning_class_spell_school_ep_costs_cc_lass` (`character_class`),
  ADD INDEX IF NOT EXISTS `idx_learning_class_spell_school_ep_costs_character_class_id` (`character_class_id`),
  ADD INDEX IF NOT EXISTS `idx_learning_class_spell_school_ep_costs_s_category` (`spell_school`),
  ADD INDEX IF NOT EXISTS `idx_learning_class_spell_school_ep_costs_spell_school_id` (`spell_school_id`);
ALTER TABLE IF EXISTS `learning_skill_categories`
  ADD INDEX IF NOT EXISTS `idx_learning_skill_categories_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_categories_quelle` (`quelle`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_categories_source_id` (`source_id`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_learning_skill_categories_name` (`name`);
ALTER TABLE IF EXISTS `learning_skill_category_difficulties`
  ADD INDEX IF NOT EXISTS `idx_learning_skill_category_difficulties_s_category` (`skill_category`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_category_difficulties_s_difficulty` (`skill_difficulty`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_category_difficulties_skill_category_id` (`skill_category_id`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_category_difficulties_skill_difficulty_id` (`skill_difficulty_id`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_category_difficulties_skill_id` (`skill_id`);
ALTER TABLE IF EXISTS `learning_skill_difficulties`
  ADD INDEX IF NOT EXISTS `idx_learning_skill_difficulties_game_system` (`game_system`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_learning_skill_difficulties_name` (`name`);
ALTER TABLE IF EXISTS `learning_skill_improvement_costs`
  ADD INDEX IF NOT EXISTS `idx_learning_skill_improvement_costs_current_level` (`current_level`),
  ADD INDEX IF NOT EXISTS `idx_learning_skill_improvement_costs_skill_category_diff411ad55b` (`skill_category_difficulty_id`);
ALTER TABLE IF EXISTS `learning_spell_level_le_costs`
  ADD INDEX IF NOT EXISTS `idx_learning_spell_level_le_costs_game_system` (`game_system`),
  ADD UNIQUE INDEX IF NOT EXISTS `idx_learning_spell_level_le_costs_level` (`level`);
ALTER TABLE IF EXISTS `learning_spell_schools`
  ADD INDEX IF NOT EXISTS `idx_learning_spell_schools_game_system` (`game_system`),
  ADD INDEX IF NOT EXISTS `idx_learning_spell_schools_quelle` (`quelle`),
  ADD INDEX IF NOT EXISTS `idx_learning_spell_schools_source_id` (`source_id`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_learning_spell_schools_name` (`name`);
ALTER TABLE IF EXISTS `learning_weaponskill_category_difficulties`
  ADD INDEX IF NOT EXISTS `idx_learning_weaponskill_category_difficulties_s_category` (`skill_category`),
  ADD INDEX IF NOT EXISTS `idx_learning_weaponskill_category_difficulties_s_difficulty` (`skill_difficulty`),
  ADD INDEX IF NOT EXISTS `idx_learning_weaponskill_category_difficulties_skill_category_id` (`skill_category_id`),
  ADD INDEX IF NOT EXISTS `idx_learning_weaponskill_category_difficulties_skill_dif466cdbb0` (`skill_difficulty_id`),
  ADD INDEX IF NOT EXISTS `idx_learning_weaponskill_category_difficulties_weapon_skill_id` (`weapon_skill_id`);
ALTER TABLE IF EXISTS `users`
  ADD INDEX IF NOT EXISTS `idx_users_reset_pw_hash` (`reset_pw_hash`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_users_email` (`email`),
  ADD UNIQUE INDEX IF NOT EXISTS `uni_users_username` (`username`);
-- <<< ensure indexes

-- >>> ensure fks (generated by tests/sql/gen-layout-ensure.py; do not edit by hand)
ALTER TABLE IF EXISTS `char_bennies`
  ADD CONSTRAINT `fk_char_chars_bennies` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_characteristics`
  ADD CONSTRAINT `fk_char_chars_merkmale` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_eigenschaften`
  ADD CONSTRAINT `fk_char_chars_eigenschaften` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_endurances`
  ADD CONSTRAINT `fk_char_chars_ap` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_experiances`
  ADD CONSTRAINT `fk_char_chars_erfahrungsschatz` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_health`
  ADD CONSTRAINT `fk_char_chars_lp` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_motionranges`
  ADD CONSTRAINT `fk_char_chars_b` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_skills`
  ADD CONSTRAINT `fk_char_chars_fertigkeiten` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_spells`
  ADD CONSTRAINT `fk_char_chars_zauber` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_wealth`
  ADD CONSTRAINT `fk_char_chars_vermoegen` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `char_weaponskills`
  ADD CONSTRAINT `fk_char_chars_waffenfertigkeiten` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `equi_containers`
  ADD CONSTRAINT `fk_char_chars_behaeltnisse` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_char_chars_transportmittel` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `equi_equipments`
  ADD CONSTRAINT `fk_char_chars_ausruestung` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `equi_weapons`
  ADD CONSTRAINT `fk_char_chars_waffen` FOREIGN KEY IF NOT EXISTS (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `gsm_cc_class_category_points`
  ADD CONSTRAINT `fk_gsm_cc_class_category_points_character_class` FOREIGN KEY IF NOT EXISTS (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_gsm_cc_class_category_points_skill_category` FOREIGN KEY IF NOT EXISTS (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `gsm_cc_class_spell_points`
  ADD CONSTRAINT `fk_gsm_cc_class_spell_points_character_class` FOREIGN KEY IF NOT EXISTS (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `gsm_cc_class_typical_skills`
  ADD CONSTRAINT `fk_gsm_cc_class_typical_skills_character_class` FOREIGN KEY IF NOT EXISTS (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_gsm_cc_class_typical_skills_skill` FOREIGN KEY IF NOT EXISTS (`skill_id`) REFERENCES `gsm_skills` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `gsm_cc_class_typical_spells`
  ADD CONSTRAINT `fk_gsm_cc_class_typical_spells_character_class` FOREIGN KEY IF NOT EXISTS (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_gsm_cc_class_typical_spells_spell` FOREIGN KEY IF NOT EXISTS (`spell_id`) REFERENCES `gsm_spells` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `gsm_character_classes`
  ADD CONSTRAINT `fk_gsm_character_classes_source` FOREIGN KEY IF NOT EXISTS (`source_id`) REFERENCES `gsm_lit_sources` (`id`) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_class_category_ep_costs`
  ADD CONSTRAINT `fk_learning_class_category_ep_costs_character_class` FOREIGN KEY IF NOT EXISTS (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_learning_class_category_ep_costs_skill_category` FOREIGN KEY IF NOT EXISTS (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_class_spell_school_ep_costs`
  ADD CONSTRAINT `fk_learning_class_spell_school_ep_costs_character_class` FOREIGN KEY IF NOT EXISTS (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_learning_class_spell_school_ep_costs_spell_school` FOREIGN KEY IF NOT EXISTS (`spell_school_id`) REFERENCES `learning_spell_schools` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_skill_categories`
  ADD CONSTRAINT `fk_learning_skill_categories_source` FOREIGN KEY IF NOT EXISTS (`source_id`) REFERENCES `gsm_lit_sources` (`id`) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_skill_category_difficulties`
  ADD CONSTRAINT `fk_learning_skill_category_difficulties_skill` FOREIGN KEY IF NOT EXISTS (`skill_id`) REFERENCES `gsm_skills` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_learning_skill_category_difficulties_skill_category` FOREIGN KEY IF NOT EXISTS (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_learning_skill_category_difficulties_skill_difficulty` FOREIGN KEY IF NOT EXISTS (`skill_difficulty_id`) REFERENCES `learning_skill_difficulties` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_skill_improvement_costs`
  ADD CONSTRAINT `fk_learning_skill_improvement_costs_skill_category_difficulty` FOREIGN KEY IF NOT EXISTS (`skill_category_difficulty_id`) REFERENCES `learning_skill_category_difficulties` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_spell_schools`
  ADD CONSTRAINT `fk_learning_spell_schools_source` FOREIGN KEY IF NOT EXISTS (`source_id`) REFERENCES `gsm_lit_sources` (`id`) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE IF EXISTS `learning_weaponskill_category_difficulties`
  ADD CONSTRAINT `fk_learning_weaponskill_category_difficulties_skill_category` FOREIGN KEY IF NOT EXISTS (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_learning_weaponskill_category_difficulties_skill_difficulty` FOREIGN KEY IF NOT EXISTS (`skill_difficulty_id`) REFERENCES `learning_skill_difficulties` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  ADD CONSTRAINT `fk_learning_weaponskill_category_difficulties_weapon_skill` FOREIGN KEY IF NOT EXISTS (`weapon_skill_id`) REFERENCES `gsm_weaponskills` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
-- <<< ensure fks
-- +down irreversible: 0.4.0 is the baseline layout; the legacy index and FK names are not needed by any backend (restore a backup to get the legacy layout back)
