-- version: 0.5.0
-- description: Add game_system_id to the 16 game-system tables, game_system to gsm_misc and char_chars, and point every game_system_id that is NULL or 0 to M5
-- +up
-- main's models expect these columns, and main's BeforeSave hooks dereference the game
-- system of a row: with game_system_id NULL/0 and game_system 'midgard' the backend
-- crashes, so the backfill happens here, before anything else writes (upstream:
-- models.MigrateDataIfNeeded, same tables, same order). The backfill only touches NULL/0,
-- so a re-run changes nothing. char_chars.game_system comes with DEFAULT 'midgard', which
-- existing rows take; gsm_misc.game_system stays NULL (as upstream leaves it).
-- The ADD COLUMNs are instant on MariaDB 10.4+; each UPDATE rewrites every row of its
-- table once (gsm_spells and char_chars are the biggest).
SET @m5 = (SELECT `id` FROM `game_systems` WHERE `code` = 'M5');
SET @s = IF(@m5 IS NULL,
  'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0007: game system M5 is missing from game_systems (migration 0006 seeds it)''',
  'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

ALTER TABLE IF EXISTS `gsm_misc`
  ADD COLUMN IF NOT EXISTS `game_system` varchar(191) DEFAULT NULL,
  ADD INDEX IF NOT EXISTS `idx_gsm_misc_game_system` (`game_system`);
ALTER TABLE IF EXISTS `char_chars`
  ADD COLUMN IF NOT EXISTS `game_system` varchar(191) DEFAULT 'midgard',
  ADD INDEX IF NOT EXISTS `idx_char_chars_game_system` (`game_system`);
ALTER TABLE IF EXISTS `gsm_skills` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_weaponskills` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_spells` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_equipments` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_weapons` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_containers` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_transportations` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_believes` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_misc` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `char_chars` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_lit_sources` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_character_classes` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_skill_categories` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_skill_difficulties` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_spell_schools` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_spell_level_le_costs` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL;

UPDATE `gsm_lit_sources` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_believes` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_equipments` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_weapons` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_containers` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_transportations` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_skills` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_weaponskills` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_spells` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `char_chars` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_character_classes` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `gsm_misc` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `learning_skill_categories` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `learning_skill_difficulties` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `learning_spell_level_le_costs` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
UPDATE `learning_spell_schools` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0;
-- +down
-- Loses the game_system_id values (all M5 after up, unless the app assigned others) and
-- gsm_misc.game_system / char_chars.game_system (char_chars: 'midgard' unless changed).
ALTER TABLE IF EXISTS `char_chars` DROP INDEX IF EXISTS `idx_char_chars_game_system`, DROP COLUMN IF EXISTS `game_system`;
ALTER TABLE IF EXISTS `gsm_misc` DROP INDEX IF EXISTS `idx_gsm_misc_game_system`, DROP COLUMN IF EXISTS `game_system`;
ALTER TABLE IF EXISTS `gsm_skills` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_weaponskills` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_spells` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_equipments` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_weapons` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_containers` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_transportations` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_believes` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_misc` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `char_chars` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_lit_sources` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `gsm_character_classes` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `learning_skill_categories` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `learning_skill_difficulties` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `learning_spell_schools` DROP COLUMN IF EXISTS `game_system_id`;
ALTER TABLE IF EXISTS `learning_spell_level_le_costs` DROP COLUMN IF EXISTS `game_system_id`;
