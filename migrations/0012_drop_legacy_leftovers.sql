-- version: 0.5.0
-- description: Drop the historical leftover indexes and duplicate FKs that no fresh database has (v0.1.37 and legacy origins), and GORM's accidental FKs from users to char_chars
-- +up
-- Leftovers (target-schema-main.md 2.C): 8 FKs that duplicate the fk_gsm_* ones and 14
-- indexes that duplicate the idx_gsm_* / idx_char_* ones. Each has an equal twin, so
-- nothing loses an index and no FK loses its supporting index. FKs go first, then indexes.
-- fk_char_chars_user / fk_char_char_creation_session_user on users are the nonsense FKs
-- GORM adds on a second AutoMigrate in one process (2.F); a main database may carry them.
ALTER TABLE IF EXISTS `gsm_cc_class_category_points`
  DROP FOREIGN KEY IF EXISTS `fk_class_learning_points_character_class`,
  DROP FOREIGN KEY IF EXISTS `fk_class_learning_points_skill_category`;
ALTER TABLE IF EXISTS `gsm_cc_class_spell_points`
  DROP FOREIGN KEY IF EXISTS `fk_class_spell_points_character_class`;
ALTER TABLE IF EXISTS `gsm_cc_class_typical_skills`
  DROP FOREIGN KEY IF EXISTS `fk_class_typical_skills_character_class`,
  DROP FOREIGN KEY IF EXISTS `fk_class_typical_skills_skill`;
ALTER TABLE IF EXISTS `gsm_cc_class_typical_spells`
  DROP FOREIGN KEY IF EXISTS `fk_class_typical_spells_character_class`,
  DROP FOREIGN KEY IF EXISTS `fk_class_typical_spells_spell`;
ALTER TABLE IF EXISTS `gsm_character_classes`
  DROP FOREIGN KEY IF EXISTS `fk_learning_character_classes_source`;
ALTER TABLE IF EXISTS `users`
  DROP FOREIGN KEY IF EXISTS `fk_char_chars_user`,
  DROP FOREIGN KEY IF EXISTS `fk_char_char_creation_session_user`;

ALTER TABLE IF EXISTS `char_skills`
  DROP INDEX IF EXISTS `idx_skill_skills_character_id`,
  DROP INDEX IF EXISTS `idx_skill_skills_user_id`;
ALTER TABLE IF EXISTS `char_spells`
  DROP INDEX IF EXISTS `idx_skill_spells_character_id`,
  DROP INDEX IF EXISTS `idx_skill_spells_user_id`;
ALTER TABLE IF EXISTS `char_weaponskills`
  DROP INDEX IF EXISTS `idx_skill_weaponskills_character_id`,
  DROP INDEX IF EXISTS `idx_skill_weaponskills_user_id`;
ALTER TABLE IF EXISTS `gsm_cc_class_typical_skills`
  DROP INDEX IF EXISTS `idx_class_typical_skills_character_class_id`,
  DROP INDEX IF EXISTS `idx_class_typical_skills_skill_id`;
ALTER TABLE IF EXISTS `gsm_cc_class_typical_spells`
  DROP INDEX IF EXISTS `idx_class_typical_spells_character_class_id`,
  DROP INDEX IF EXISTS `idx_class_typical_spells_spell_id`;
ALTER TABLE IF EXISTS `gsm_character_classes`
  DROP INDEX IF EXISTS `idx_learning_character_classes_source_id`,
  DROP INDEX IF EXISTS `idx_learning_character_classes_game_system`,
  DROP INDEX IF EXISTS `idx_learning_character_classes_quelle`;
ALTER TABLE IF EXISTS `gsm_lit_sources`
  DROP INDEX IF EXISTS `idx_learning_sources_game_system`;
-- +down
-- Nothing to restore: the leftovers were redundant twins, and the 0.4.0 layout as this
-- chain builds it (0004) does not have them either.
DO 0;
