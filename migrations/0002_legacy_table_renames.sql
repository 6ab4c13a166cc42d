-- version: 0.4.0
-- description: Legacy layout: rename learning_sources, learning_character_classes and skill_* to gsm_lit_sources, gsm_character_classes and char_*
-- +up
-- Runs first because the old skill_* tables own FK names (fk_char_chars_fertigkeiten,
-- _zauber, _waffenfertigkeiten) that the char_* tables need. InnoDB re-points the FKs
-- that reference a renamed table. For each pair (old -> new):
--   only new exists (v0.1.37, main, empty database after 0004): nothing happens;
--   only old exists (legacy): RENAME TABLE;
--   both exist (AutoMigrate ran on a legacy database and created empty new-name tables):
--     new is empty -> drop it, then rename old; old is empty -> drop old and keep new;
--     both hold rows -> stop with SQLSTATE 45000 (error 1644) before anything is dropped,
--     the operator has to merge the two tables by hand.
-- Every statement is safe to re-run: the checks are recomputed from information_schema.
-- FOREIGN_KEY_CHECKS is off for this session so that an empty AutoMigrate table that
-- another AutoMigrate table references can be dropped; it is switched back on at the end.
SET FOREIGN_KEY_CHECKS = 0;

-- learning_sources -> gsm_lit_sources
SET @old_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'learning_sources');
SET @new_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'gsm_lit_sources');
SET @s = IF(@old_exists > 0 AND @new_exists > 0,
  'SET @old_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `learning_sources` LIMIT 1) AS t), @new_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `gsm_lit_sources` LIMIT 1) AS t)',
  'SET @old_rows = NULL, @new_rows = NULL');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = CASE
  WHEN @old_exists = 0 OR @new_exists = 0 THEN 'DO 0'
  WHEN @new_rows = 0 THEN 'DROP TABLE `gsm_lit_sources`'
  WHEN @old_rows = 0 THEN 'DROP TABLE `learning_sources`'
  ELSE 'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0002: tables learning_sources and gsm_lit_sources both hold rows; merge them by hand, then re-run (docs/MIGRATIONS.md)'''
END;
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
RENAME TABLE IF EXISTS `learning_sources` TO `gsm_lit_sources`;

-- learning_character_classes -> gsm_character_classes
SET @old_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'learning_character_classes');
SET @new_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'gsm_character_classes');
SET @s = IF(@old_exists > 0 AND @new_exists > 0,
  'SET @old_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `learning_character_classes` LIMIT 1) AS t), @new_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `gsm_character_classes` LIMIT 1) AS t)',
  'SET @old_rows = NULL, @new_rows = NULL');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = CASE
  WHEN @old_exists = 0 OR @new_exists = 0 THEN 'DO 0'
  WHEN @new_rows = 0 THEN 'DROP TABLE `gsm_character_classes`'
  WHEN @old_rows = 0 THEN 'DROP TABLE `learning_character_classes`'
  ELSE 'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0002: tables learning_character_classes and gsm_character_classes both hold rows; merge them by hand, then re-run (docs/MIGRATIONS.md)'''
END;
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
RENAME TABLE IF EXISTS `learning_character_classes` TO `gsm_character_classes`;

-- skill_skills -> char_skills
SET @old_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'skill_skills');
SET @new_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_skills');
SET @s = IF(@old_exists > 0 AND @new_exists > 0,
  'SET @old_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `skill_skills` LIMIT 1) AS t), @new_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `char_skills` LIMIT 1) AS t)',
  'SET @old_rows = NULL, @new_rows = NULL');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = CASE
  WHEN @old_exists = 0 OR @new_exists = 0 THEN 'DO 0'
  WHEN @new_rows = 0 THEN 'DROP TABLE `char_skills`'
  WHEN @old_rows = 0 THEN 'DROP TABLE `skill_skills`'
  ELSE 'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0002: tables skill_skills and char_skills both hold rows; merge them by hand, then re-run (docs/MIGRATIONS.md)'''
END;
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
RENAME TABLE IF EXISTS `skill_skills` TO `char_skills`;

-- skill_spells -> char_spells
SET @old_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'skill_spells');
SET @new_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_spells');
SET @s = IF(@old_exists > 0 AND @new_exists > 0,
  'SET @old_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `skill_spells` LIMIT 1) AS t), @new_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `char_spells` LIMIT 1) AS t)',
  'SET @old_rows = NULL, @new_rows = NULL');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = CASE
  WHEN @old_exists = 0 OR @new_exists = 0 THEN 'DO 0'
  WHEN @new_rows = 0 THEN 'DROP TABLE `char_spells`'
  WHEN @old_rows = 0 THEN 'DROP TABLE `skill_spells`'
  ELSE 'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0002: tables skill_spells and char_spells both hold rows; merge them by hand, then re-run (docs/MIGRATIONS.md)'''
END;
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
RENAME TABLE IF EXISTS `skill_spells` TO `char_spells`;

-- skill_weaponskills -> char_weaponskills
SET @old_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'skill_weaponskills');
SET @new_exists = (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_weaponskills');
SET @s = IF(@old_exists > 0 AND @new_exists > 0,
  'SET @old_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `skill_weaponskills` LIMIT 1) AS t), @new_rows = (SELECT COUNT(*) FROM (SELECT 1 FROM `char_weaponskills` LIMIT 1) AS t)',
  'SET @old_rows = NULL, @new_rows = NULL');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = CASE
  WHEN @old_exists = 0 OR @new_exists = 0 THEN 'DO 0'
  WHEN @new_rows = 0 THEN 'DROP TABLE `char_weaponskills`'
  WHEN @old_rows = 0 THEN 'DROP TABLE `skill_weaponskills`'
  ELSE 'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0002: tables skill_weaponskills and char_weaponskills both hold rows; merge them by hand, then re-run (docs/MIGRATIONS.md)'''
END;
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
RENAME TABLE IF EXISTS `skill_weaponskills` TO `char_weaponskills`;

SET FOREIGN_KEY_CHECKS = 1;
-- +down irreversible: 0.4.0 is the baseline layout; renaming back to the legacy names would not give a layout any Bamort backend of 0.4.0 or later can use (restore the pre-migration backup instead)
