-- version: 0.5.0
-- description: Add game_system_id to the 16 game-system tables, game_system to gsm_misc and char_chars, and point every game_system_id that is NULL or 0 to M5
-- +up
-- main's models expect these columns, and main's BeforeSave hooks dereference the game
-- system of a row: with game_system_id NULL/0 and game_system 'midgard' the backend
-- crashes, so every existing row gets M5 here, before anything else writes (upstream:
-- models.MigrateDataIfNeeded, same tables). char_chars.game_system comes with DEFAULT
-- 'midgard', which existing rows take; gsm_misc.game_system stays NULL (as upstream).
-- Every ALTER is a metadata change (ALGORITHM=INSTANT / NOCOPY), and there is one per
-- table (two for char_chars and gsm_misc, whose new index cannot share a statement with a
-- new column without a copy): each costs a definition write and a commit, whatever the
-- table's size. The master-data tables are small: their column is added with
-- DEFAULT NULL and their rows are updated. char_chars can be big (character images):
-- rewriting its rows took 54 s on 1 GB, so there the column is added with DEFAULT <M5 id>,
-- a metadata change that existing rows read as M5, and the default is then set back to
-- NULL (rows keep M5, new rows get NULL). Where char_chars already has the column (main's
-- layout, a re-run) only its rows that are NULL or 0 are updated. ALGORITHM=INSTANT makes
-- a table that cannot take an instant column (ROW_FORMAT=COMPRESSED) stop the migration
-- instead of being copied silently.
-- The information_schema lookups name schema and table as constants, so the server opens
-- only that table (a join on its columns would open every table of every database).
-- A re-run, also after a crash between two statements, changes nothing.
SET @m5 = (SELECT `id` FROM `game_systems` WHERE `code` = 'M5');
SET @s = IF(@m5 IS NULL,
  'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0007: game system M5 is missing from game_systems (migration 0006 seeds it)''',
  'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

SET @table = EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'char_chars');
SET @had = EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'char_chars'
  AND `COLUMN_NAME` = 'game_system_id');
SET @s = CASE
  WHEN NOT @table THEN 'DO 0'
  WHEN NOT @had THEN CONCAT('ALTER TABLE `char_chars` ADD COLUMN IF NOT EXISTS `game_system` varchar(191) ',
    'DEFAULT ''midgard'', ADD COLUMN `game_system_id` bigint(20) unsigned DEFAULT ', @m5, ', ALGORITHM=INSTANT')
  ELSE 'ALTER TABLE `char_chars` ADD COLUMN IF NOT EXISTS `game_system` varchar(191) DEFAULT ''midgard'', ALGORITHM=INSTANT' END;
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(@table AND @had,
  'UPDATE `char_chars` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
ALTER TABLE IF EXISTS `char_chars` ALTER COLUMN `game_system_id` SET DEFAULT NULL,
  ADD INDEX IF NOT EXISTS `idx_char_chars_game_system` (`game_system`), ALGORITHM=NOCOPY;

ALTER TABLE IF EXISTS `gsm_misc` ADD COLUMN IF NOT EXISTS `game_system` varchar(191) DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_misc` ADD INDEX IF NOT EXISTS `idx_gsm_misc_game_system` (`game_system`), ALGORITHM=NOCOPY;
ALTER TABLE IF EXISTS `gsm_skills` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_weaponskills` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_spells` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_equipments` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_weapons` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_containers` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_transportations` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_believes` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_lit_sources` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `gsm_character_classes` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `learning_skill_categories` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `learning_skill_difficulties` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `learning_spell_schools` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
ALTER TABLE IF EXISTS `learning_spell_level_le_costs` ADD COLUMN IF NOT EXISTS `game_system_id` bigint(20) unsigned DEFAULT NULL, ALGORITHM=INSTANT;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_misc'),
  'UPDATE `gsm_misc` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_skills'),
  'UPDATE `gsm_skills` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_weaponskills'),
  'UPDATE `gsm_weaponskills` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_spells'),
  'UPDATE `gsm_spells` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_equipments'),
  'UPDATE `gsm_equipments` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_weapons'),
  'UPDATE `gsm_weapons` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_containers'),
  'UPDATE `gsm_containers` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_transportations'),
  'UPDATE `gsm_transportations` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_believes'),
  'UPDATE `gsm_believes` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_lit_sources'),
  'UPDATE `gsm_lit_sources` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'gsm_character_classes'),
  'UPDATE `gsm_character_classes` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'learning_skill_categories'),
  'UPDATE `learning_skill_categories` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'learning_skill_difficulties'),
  'UPDATE `learning_skill_difficulties` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'learning_spell_schools'),
  'UPDATE `learning_spell_schools` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'learning_spell_level_le_costs'),
  'UPDATE `learning_spell_level_le_costs` SET `game_system_id` = @m5 WHERE `game_system_id` IS NULL OR `game_system_id` = 0', 'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
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
