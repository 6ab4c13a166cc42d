-- version: 0.4.0
-- description: Version tracking tables schema_version and migration_history (as GORM made them) plus the engine's bookkeeping columns
-- +up
-- Real Bamort databases (v0.1.37) already hold both tables as GORM created them
-- (applied_at BIGINT Unix seconds, one row '0.4.0' / migration 1). CREATE TABLE IF NOT
-- EXISTS accepts them as they are; the DDL below is exactly GORM's (schema-v0137.sql).
-- The extra migration_history columns are ours; GORM ignores columns it has no field for.
-- The engine writes the rows; this migration never inserts any.
CREATE TABLE IF NOT EXISTS `schema_version` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `version` varchar(20) NOT NULL,
  `migration_number` bigint(20) NOT NULL,
  `applied_at` bigint(20) DEFAULT NULL,
  `backend_version` varchar(20) NOT NULL,
  `description` text DEFAULT NULL,
  `checksum` varchar(64) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_schema_version_version` (`version`),
  KEY `idx_schema_version_migration_number` (`migration_number`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `migration_history` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `migration_number` bigint(20) NOT NULL,
  `version` varchar(20) NOT NULL,
  `description` text NOT NULL,
  `applied_at` bigint(20) DEFAULT NULL,
  `applied_by` varchar(100) DEFAULT NULL,
  `execution_time_ms` bigint(20) DEFAULT NULL,
  `success` tinyint(1) DEFAULT 1,
  `error_message` text DEFAULT NULL,
  `rollback_available` tinyint(1) DEFAULT 1,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_migration_history_migration_number` (`migration_number`),
  KEY `idx_migration_history_version` (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE `migration_history`
  ADD COLUMN IF NOT EXISTS `checksum` varchar(64) NULL,
  ADD COLUMN IF NOT EXISTS `statements_total` int NULL,
  ADD COLUMN IF NOT EXISTS `statements_done` int NULL,
  ADD COLUMN IF NOT EXISTS `failed_statement` longtext NULL,
  ADD COLUMN IF NOT EXISTS `error_errno` int NULL;
-- +down irreversible: the version tables hold the deployment history itself; the baseline 0.4.0 has no earlier layout to return to (restore a backup instead)
