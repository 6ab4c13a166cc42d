-- version: 0.4.0
-- description: Legacy layout: new columns (basis_wert, users.preferred_language), skill defaults, and the char_wealth money merge (umlaut columns win) before dropping goldstücke/silberstücke/kupferstücke
-- +up
-- Every ALTER is guarded with IF EXISTS / IF NOT EXISTS, so on an empty database (the
-- tables come in 0004) and on v0.1.37 or main layouts this is a no-op.
-- Money merge: the legacy char_wealth holds its values split between the umlaut columns
-- and the ASCII ones (and row 1 of the real data has goldstücke=310 and goldstuecke=0);
-- the rule that reproduces v0.1.37 is goldstuecke = COALESCE(`goldstücke`, goldstuecke):
-- where both hold a value, the umlaut column wins. Each UPDATE runs only while its umlaut
-- column exists, and it is idempotent anyway (it only copies the umlaut value again), so
-- a re-run after a crash between the UPDATE and the DROP cannot double-apply.
-- The file is UTF-8; SET NAMES makes the umlaut identifiers arrive intact whatever the
-- connection default is.
SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;

ALTER TABLE IF EXISTS `char_skills` ADD COLUMN IF NOT EXISTS `basis_wert` bigint(20) DEFAULT NULL;
ALTER TABLE IF EXISTS `char_weaponskills` ADD COLUMN IF NOT EXISTS `basis_wert` bigint(20) DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_skills`
  ADD COLUMN IF NOT EXISTS `basis_wert` bigint(20) DEFAULT 0,
  ALTER COLUMN `improvable` SET DEFAULT NULL,
  ALTER COLUMN `innate_skill` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_weaponskills`
  ADD COLUMN IF NOT EXISTS `basis_wert` bigint(20) DEFAULT 0,
  ALTER COLUMN `improvable` SET DEFAULT NULL,
  ALTER COLUMN `innate_skill` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `users` ADD COLUMN IF NOT EXISTS `preferred_language` varchar(191) DEFAULT 'de';

-- char_wealth: make sure the ASCII columns exist, merge, then drop the umlaut columns.
ALTER TABLE IF EXISTS `char_wealth`
  ADD COLUMN IF NOT EXISTS `goldstuecke` bigint(20) DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS `silberstuecke` bigint(20) DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS `kupferstuecke` bigint(20) DEFAULT NULL;
SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_wealth' AND COLUMN_NAME = 'goldstücke') > 0,
  'UPDATE `char_wealth` SET `goldstuecke` = COALESCE(`goldstücke`, `goldstuecke`) WHERE `goldstücke` IS NOT NULL',
  'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_wealth' AND COLUMN_NAME = 'silberstücke') > 0,
  'UPDATE `char_wealth` SET `silberstuecke` = COALESCE(`silberstücke`, `silberstuecke`) WHERE `silberstücke` IS NOT NULL',
  'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'char_wealth' AND COLUMN_NAME = 'kupferstücke') > 0,
  'UPDATE `char_wealth` SET `kupferstuecke` = COALESCE(`kupferstücke`, `kupferstuecke`) WHERE `kupferstücke` IS NOT NULL',
  'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;
ALTER TABLE IF EXISTS `char_wealth`
  DROP COLUMN IF EXISTS `goldstücke`,
  DROP COLUMN IF EXISTS `silberstücke`,
  DROP COLUMN IF EXISTS `kupferstücke`;
-- +down irreversible: the money merge cannot be undone (which value came from which column is lost) and 0.4.0 is the baseline layout (restore the pre-migration backup instead)
