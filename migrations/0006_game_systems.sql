-- version: 0.5.0
-- description: Create game_systems and seed the game system M5 (M-System) that every game_system_id will point to
-- +up
-- DDL as main's GORM model makes it. The seed row matches main's gamesystem.MigrateDataIfNeeded
-- (code 'M5', name 'M-System', description 'Version 5 des Rollenspiels', is_active 1,
-- created_at = modified_at = Unix seconds). It is inserted only if no row with code 'M5'
-- exists (main keys its own seed on id 1; a main database therefore already has it).
-- Runs before anything else of 0.5.0 so that the backfill in 0007 has its target.
CREATE TABLE IF NOT EXISTS `game_systems` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(100) NOT NULL,
  `name` varchar(255) NOT NULL,
  `description` text DEFAULT NULL,
  `is_active` tinyint(1) NOT NULL DEFAULT 1,
  `created_at` bigint(20) DEFAULT NULL,
  `modified_at` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_game_systems_code` (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO `game_systems` (`code`, `name`, `description`, `is_active`, `created_at`, `modified_at`)
SELECT 'M5', 'M-System', 'Version 5 des Rollenspiels', 1, UNIX_TIMESTAMP(), UNIX_TIMESTAMP()
  FROM DUAL
 WHERE NOT EXISTS (SELECT 1 FROM `game_systems` WHERE `code` = 'M5');
-- +down
-- Drops the table with every game system in it (0.4.0 has none; 0007's down has already
-- removed the game_system_id columns that pointed here).
DROP TABLE IF EXISTS `game_systems`;
