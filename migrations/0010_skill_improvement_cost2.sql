-- version: 0.5.0
-- description: Create skill_improvement_cost2, convert learning_skill_improvement_costs into it (one row per category, difficulty and level) and drop the old table
-- +up
-- main reads improvement costs only from skill_improvement_cost2 (per skill category,
-- difficulty and current level) and has no model for learning_skill_improvement_costs
-- (per skill-category-difficulty link), so a fresh main database has no old table.
-- Conversion (target-schema-main.md 2.E step 5): map each old row through its
-- learning_skill_category_difficulties link to (skill_category_id, skill_difficulty_id)
-- and keep one row per (category, difficulty, current_level). Real data: 609 -> 246 rows.
-- Nothing may be lost, so the migration STOPS (SQLSTATE 45000, error 1644) before it
-- writes anything if the old table holds
--   * two different te_required for the same (category, difficulty, level), or
--   * a te_required that differs from a row skill_improvement_cost2 already has for it, or
--   * a row whose link in learning_skill_category_difficulties is missing;
-- the operator decides which value is right (docs/MIGRATIONS.md has the queries).
-- The check runs before the CREATE TABLE, so a stop leaves the database untouched.
-- Rows already in skill_improvement_cost2 (e.g. from main's master-data import) are kept;
-- only combinations it lacks are inserted, so a re-run inserts nothing. The old table is
-- dropped last, only after the conversion succeeded.
SET @old_exists = (SELECT COUNT(*) FROM information_schema.TABLES
                    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'learning_skill_improvement_costs');
SET @cost2_exists = (SELECT COUNT(*) FROM information_schema.TABLES
                      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'skill_improvement_cost2');
SET @s = IF(@old_exists = 0, 'SET @conflicts = 0', CONCAT('
SET @conflicts =
  (SELECT COUNT(*) FROM (
     SELECT 1 FROM `learning_skill_improvement_costs` x
       JOIN `learning_skill_category_difficulties` y ON y.`id` = x.`skill_category_difficulty_id`
      GROUP BY y.`skill_category_id`, y.`skill_difficulty_id`, x.`current_level`
     HAVING COUNT(DISTINCT x.`te_required`) > 1) AS g)
+ (SELECT COUNT(*) FROM `learning_skill_improvement_costs` x
     LEFT JOIN `learning_skill_category_difficulties` y ON y.`id` = x.`skill_category_difficulty_id`
    WHERE y.`id` IS NULL)', IF(@cost2_exists = 0, '', '
+ (SELECT COUNT(*) FROM `learning_skill_improvement_costs` x
     JOIN `learning_skill_category_difficulties` y ON y.`id` = x.`skill_category_difficulty_id`
     JOIN `skill_improvement_cost2` c ON c.`skill_category_id` = y.`skill_category_id`
      AND c.`skill_difficulty_id` = y.`skill_difficulty_id` AND c.`current_level` = x.`current_level`
    WHERE c.`te_required` <> x.`te_required`)')));
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

SET @s = IF(@conflicts > 0,
  'SIGNAL SQLSTATE ''45000'' SET MESSAGE_TEXT = ''migration 0010: learning_skill_improvement_costs has conflicting or unmappable te_required values; nothing was changed; resolve them (docs/MIGRATIONS.md) and re-run''',
  'DO 0');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

CREATE TABLE IF NOT EXISTS `skill_improvement_cost2` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `current_level` bigint(20) NOT NULL,
  `te_required` bigint(20) NOT NULL,
  `skill_category_id` bigint(20) unsigned NOT NULL DEFAULT 1,
  `skill_difficulty_id` bigint(20) unsigned NOT NULL DEFAULT 1,
  PRIMARY KEY (`id`),
  KEY `idx_skill_improvement_cost2_current_level` (`current_level`),
  KEY `idx_skill_improvement_cost2_category_id` (`skill_category_id`),
  KEY `idx_skill_improvement_cost2_difficulty_id` (`skill_difficulty_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

SET @s = IF(@old_exists = 0, 'DO 0', '
INSERT INTO `skill_improvement_cost2` (`current_level`, `te_required`, `skill_category_id`, `skill_difficulty_id`)
SELECT x.`current_level`, MIN(x.`te_required`), y.`skill_category_id`, y.`skill_difficulty_id`
  FROM `learning_skill_improvement_costs` x
  JOIN `learning_skill_category_difficulties` y ON y.`id` = x.`skill_category_difficulty_id`
 WHERE NOT EXISTS (SELECT 1 FROM `skill_improvement_cost2` c
                    WHERE c.`skill_category_id` = y.`skill_category_id`
                      AND c.`skill_difficulty_id` = y.`skill_difficulty_id`
                      AND c.`current_level` = x.`current_level`)
 GROUP BY y.`skill_category_id`, y.`skill_difficulty_id`, x.`current_level`
 ORDER BY y.`skill_category_id`, y.`skill_difficulty_id`, x.`current_level`');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

DROP TABLE IF EXISTS `learning_skill_improvement_costs`;
-- +down
-- Recreates learning_skill_improvement_costs (v0.1.37 DDL) and fills it back from
-- skill_improvement_cost2: one row for every skill link (learning_skill_category_difficulties)
-- and every level of its category and difficulty. That is a superset of the original rows
-- when the original did not list every level for every skill; costs whose category and
-- difficulty no skill links any more are lost, and so is the cost2 id. It refills only an
-- empty table, so a re-run does not double rows.
CREATE TABLE IF NOT EXISTS `learning_skill_improvement_costs` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `skill_category_difficulty_id` bigint(20) unsigned NOT NULL,
  `current_level` bigint(20) NOT NULL,
  `te_required` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_learning_skill_improvement_costs_skill_category_diff411ad55b` (`skill_category_difficulty_id`),
  KEY `idx_learning_skill_improvement_costs_current_level` (`current_level`),
  CONSTRAINT `fk_learning_skill_improvement_costs_skill_category_difficulty` FOREIGN KEY (`skill_category_difficulty_id`) REFERENCES `learning_skill_category_difficulties` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

SET @cost2_exists = (SELECT COUNT(*) FROM information_schema.TABLES
                      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'skill_improvement_cost2');
SET @s = IF(@cost2_exists = 0 OR EXISTS (SELECT 1 FROM `learning_skill_improvement_costs`), 'DO 0', '
INSERT INTO `learning_skill_improvement_costs` (`skill_category_difficulty_id`, `current_level`, `te_required`)
SELECT y.`id`, c.`current_level`, MIN(c.`te_required`)
  FROM `learning_skill_category_difficulties` y
  JOIN `skill_improvement_cost2` c ON c.`skill_category_id` = y.`skill_category_id`
   AND c.`skill_difficulty_id` = y.`skill_difficulty_id`
 GROUP BY y.`id`, c.`current_level`
 ORDER BY y.`id`, c.`current_level`');
PREPARE st FROM @s;
EXECUTE st;
DEALLOCATE PREPARE st;

DROP TABLE IF EXISTS `skill_improvement_cost2`;
