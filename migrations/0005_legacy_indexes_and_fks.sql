-- version: 0.4.0
-- description: Legacy layout: give the renamed tables their v0.1.37 index and FK names (gsm_lit_sources, gsm_character_classes, char_skills, char_spells, char_weaponskills)
-- +up
-- The unique indexes are renamed (add the new name, drop the old one in the same ALTER);
-- the plain indexes get their new names added and the old idx_skill_* / idx_learning_*
-- names stay, as in v0.1.37 (0012 drops those leftovers together with v0.1.37's).
-- fk_gsm_character_classes_source is added beside the old fk_learning_character_classes_source
-- (dropped in 0012). The char_* FKs are added only if missing (they normally came along
-- with the rename). All clauses are IF [NOT] EXISTS: a no-op where the work is done.
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

ALTER TABLE IF EXISTS `gsm_character_classes`
  ADD CONSTRAINT `fk_gsm_character_classes_source` FOREIGN KEY IF NOT EXISTS (`source_id`)
    REFERENCES `gsm_lit_sources` (`id`) ON UPDATE CASCADE;

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

ALTER TABLE IF EXISTS `char_skills`
  ADD INDEX IF NOT EXISTS `idx_char_skills_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_skills_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_skills`
  ADD CONSTRAINT `fk_char_chars_fertigkeiten` FOREIGN KEY IF NOT EXISTS (`character_id`)
    REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE IF EXISTS `char_spells`
  ADD INDEX IF NOT EXISTS `idx_char_spells_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_spells_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_spells`
  ADD CONSTRAINT `fk_char_chars_zauber` FOREIGN KEY IF NOT EXISTS (`character_id`)
    REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE IF EXISTS `char_weaponskills`
  ADD INDEX IF NOT EXISTS `idx_char_weaponskills_character_id` (`character_id`),
  ADD INDEX IF NOT EXISTS `idx_char_weaponskills_user_id` (`user_id`);
ALTER TABLE IF EXISTS `char_weaponskills`
  ADD CONSTRAINT `fk_char_chars_waffenfertigkeiten` FOREIGN KEY IF NOT EXISTS (`character_id`)
    REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;
-- +down irreversible: 0.4.0 is the baseline layout; the legacy index and FK names are not needed by any backend (restore a backup to get the legacy layout back)
