-- version: 0.4.0
-- description: Create every table of the v0.1.37 layout that is missing (all of them on an empty database; gsm_cc_*, gsm_misc and learning_weaponskill_category_difficulties on a legacy one)
-- +up
-- DDL exactly as GORM made it in schema-v0137.sql (v0.1.37), without the historical
-- leftover indexes and FKs (idx_skill_*, idx_class_typical_*, idx_learning_character_classes_*,
-- idx_learning_sources_game_system, fk_class_*, fk_learning_character_classes_source),
-- which no fresh database has. Tables are created in FK dependency order. CREATE TABLE IF
-- NOT EXISTS leaves existing tables alone; their missing parts are added by 0003 and 0005.
-- The charset is explicit (utf8mb4 / utf8mb4_unicode_ci, as upstream's compose file asks for)
-- so that a new install does not depend on the server default.
-- schema_version and migration_history come from 0001.
CREATE TABLE IF NOT EXISTS `audit_log_entries` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_id` bigint(20) unsigned NOT NULL,
  `field_name` longtext NOT NULL,
  `old_value` bigint(20) DEFAULT NULL,
  `new_value` bigint(20) DEFAULT NULL,
  `difference` bigint(20) DEFAULT NULL,
  `reason` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  `timestamp` datetime(3) DEFAULT NULL,
  `notes` longtext DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_chars` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned NOT NULL DEFAULT 1,
  `rasse` longtext DEFAULT NULL,
  `typ` longtext DEFAULT NULL,
  `alter` bigint(20) DEFAULT NULL,
  `anrede` longtext DEFAULT NULL,
  `grad` bigint(20) DEFAULT NULL,
  `groesse` bigint(20) DEFAULT NULL,
  `gewicht` bigint(20) DEFAULT NULL,
  `glaube` longtext DEFAULT NULL,
  `hand` longtext DEFAULT NULL,
  `public` tinyint(1) DEFAULT NULL,
  `spezialisierung` text DEFAULT NULL,
  `image` longtext DEFAULT NULL,
  `gender` longtext DEFAULT NULL,
  `social_class` longtext DEFAULT NULL,
  `herkunft` longtext DEFAULT NULL,
  `resistenz_koerper` bigint(20) DEFAULT NULL,
  `resistenz_geist` bigint(20) DEFAULT NULL,
  `abwehr` bigint(20) DEFAULT NULL,
  `zaubern` bigint(20) DEFAULT NULL,
  `raufen` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_chars_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_bennies` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `gg` bigint(20) DEFAULT NULL,
  `gp` bigint(20) DEFAULT NULL,
  `sg` bigint(20) DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_bennies_character_id` (`character_id`),
  KEY `idx_char_bennies_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_bennies` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_char_creation_session` (
  `id` varchar(191) NOT NULL,
  `user_id` bigint(20) unsigned NOT NULL,
  `name` longtext DEFAULT NULL,
  `rasse` longtext DEFAULT NULL,
  `typ` longtext DEFAULT NULL,
  `herkunft` longtext DEFAULT NULL,
  `glaube` longtext DEFAULT NULL,
  `attributes` text DEFAULT NULL,
  `derived_values` text DEFAULT NULL,
  `skills` text DEFAULT NULL,
  `spells` text DEFAULT NULL,
  `skill_points` text DEFAULT NULL,
  `created_at` datetime(3) DEFAULT NULL,
  `updated_at` datetime(3) DEFAULT NULL,
  `expires_at` datetime(3) DEFAULT NULL,
  `current_step` bigint(20) DEFAULT NULL,
  `geschlecht` longtext DEFAULT NULL,
  `stand` longtext DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_char_creation_session_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_characteristics` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `augenfarbe` longtext DEFAULT NULL,
  `haarfarbe` longtext DEFAULT NULL,
  `sonstige` longtext DEFAULT NULL,
  `breite` longtext DEFAULT NULL,
  `groesse` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_characteristics_character_id` (`character_id`),
  KEY `idx_char_characteristics_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_merkmale` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_eigenschaften` (
  `id` bigint(20) unsigned DEFAULT NULL,
  `character_id` bigint(20) unsigned NOT NULL,
  `name` varchar(191) NOT NULL,
  `value` bigint(20) DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`character_id`,`name`),
  KEY `idx_char_eigenschaften_id` (`id`),
  KEY `idx_char_eigenschaften_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_eigenschaften` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_endurances` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `max` bigint(20) DEFAULT NULL,
  `value` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_endurances_character_id` (`character_id`),
  CONSTRAINT `fk_char_chars_ap` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_experiances` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `es` bigint(20) DEFAULT NULL,
  `ep` bigint(20) DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_experiances_character_id` (`character_id`),
  KEY `idx_char_experiances_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_erfahrungsschatz` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_health` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `max` bigint(20) DEFAULT NULL,
  `value` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_health_character_id` (`character_id`),
  CONSTRAINT `fk_char_chars_lp` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_motionranges` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `max` bigint(20) DEFAULT NULL,
  `value` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_motionranges_character_id` (`character_id`),
  CONSTRAINT `fk_char_chars_b` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_skills` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `fertigkeitswert` bigint(20) DEFAULT NULL,
  `bonus` bigint(20) DEFAULT NULL,
  `pp` bigint(20) DEFAULT NULL,
  `bemerkung` longtext DEFAULT NULL,
  `improvable` tinyint(1) DEFAULT NULL,
  `category` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  `basis_wert` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_skills_character_id` (`character_id`),
  KEY `idx_char_skills_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_fertigkeiten` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_spells` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `bonus` bigint(20) DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_spells_character_id` (`character_id`),
  KEY `idx_char_spells_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_zauber` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_wealth` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  `goldstuecke` bigint(20) DEFAULT NULL,
  `silberstuecke` bigint(20) DEFAULT NULL,
  `kupferstuecke` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_wealth_character_id` (`character_id`),
  KEY `idx_char_wealth_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_vermoegen` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `char_weaponskills` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `fertigkeitswert` bigint(20) DEFAULT NULL,
  `bonus` bigint(20) DEFAULT NULL,
  `pp` bigint(20) DEFAULT NULL,
  `bemerkung` longtext DEFAULT NULL,
  `improvable` tinyint(1) DEFAULT NULL,
  `category` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  `basis_wert` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_weaponskills_character_id` (`character_id`),
  KEY `idx_char_weaponskills_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_waffenfertigkeiten` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `equi_containers` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `ist_magisch` tinyint(1) DEFAULT NULL,
  `abw` bigint(20) DEFAULT NULL,
  `ausgebrannt` tinyint(1) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `beinhaltet_in` longtext DEFAULT NULL,
  `contained_in` bigint(20) unsigned DEFAULT NULL,
  `is_transportation` tinyint(1) DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `tragkraft` double DEFAULT NULL,
  `volumen` double DEFAULT NULL,
  `ext_id` longtext DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_equi_containers_character_id` (`character_id`),
  KEY `idx_equi_containers_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_behaeltnisse` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_char_chars_transportmittel` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `equi_equipments` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `ist_magisch` tinyint(1) DEFAULT NULL,
  `abw` bigint(20) DEFAULT NULL,
  `ausgebrannt` tinyint(1) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `anzahl` bigint(20) DEFAULT NULL,
  `beinhaltet_in` longtext DEFAULT NULL,
  `contained_in` bigint(20) unsigned DEFAULT NULL,
  `container_type` longtext DEFAULT NULL,
  `bonus` bigint(20) DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_equi_equipments_character_id` (`character_id`),
  KEY `idx_equi_equipments_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_ausruestung` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `equi_weapons` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` longtext DEFAULT NULL,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `ist_magisch` tinyint(1) DEFAULT NULL,
  `abw` bigint(20) DEFAULT NULL,
  `ausgebrannt` tinyint(1) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `abwb` bigint(20) DEFAULT NULL,
  `anb` bigint(20) DEFAULT NULL,
  `anzahl` bigint(20) DEFAULT NULL,
  `beinhaltet_in` longtext DEFAULT NULL,
  `contained_in` bigint(20) unsigned DEFAULT NULL,
  `container_type` longtext DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `name_fuer_spezialisierung` longtext DEFAULT NULL,
  `schb` bigint(20) DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_equi_weapons_character_id` (`character_id`),
  KEY `idx_equi_weapons_user_id` (`user_id`),
  CONSTRAINT `fk_char_chars_waffen` FOREIGN KEY (`character_id`) REFERENCES `char_chars` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_believes` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_believes_game_system` (`game_system`),
  KEY `idx_gsm_believes_name` (`name`),
  KEY `idx_gsm_believes_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_lit_sources` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(10) NOT NULL,
  `name` varchar(191) NOT NULL,
  `full_name` longtext DEFAULT NULL,
  `edition` longtext DEFAULT NULL,
  `publisher` longtext DEFAULT NULL,
  `publish_year` bigint(20) DEFAULT NULL,
  `description` longtext DEFAULT NULL,
  `is_core` tinyint(1) DEFAULT 0,
  `is_active` tinyint(1) DEFAULT 1,
  `game_system` varchar(191) DEFAULT 'midgard',
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_gsm_lit_sources_code` (`code`),
  UNIQUE KEY `uni_gsm_lit_sources_name` (`name`),
  KEY `idx_gsm_lit_sources_game_system` (`game_system`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_character_classes` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(3) DEFAULT NULL,
  `name` varchar(191) NOT NULL,
  `description` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned NOT NULL,
  `game_system` varchar(191) DEFAULT 'midgard',
  `quelle` varchar(3) DEFAULT 'KOD',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uni_gsm_character_classes_name` (`name`),
  UNIQUE KEY `idx_gsm_character_classes_code` (`code`),
  KEY `idx_gsm_character_classes_source_id` (`source_id`),
  KEY `idx_gsm_character_classes_game_system` (`game_system`),
  KEY `idx_gsm_character_classes_quelle` (`quelle`),
  CONSTRAINT `fk_gsm_character_classes_source` FOREIGN KEY (`source_id`) REFERENCES `gsm_lit_sources` (`id`) ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_skill_categories` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(191) NOT NULL,
  `source_id` bigint(20) unsigned NOT NULL,
  `game_system` varchar(191) DEFAULT 'midgard',
  `quelle` varchar(3) DEFAULT 'KOD',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uni_learning_skill_categories_name` (`name`),
  KEY `idx_learning_skill_categories_source_id` (`source_id`),
  KEY `idx_learning_skill_categories_game_system` (`game_system`),
  KEY `idx_learning_skill_categories_quelle` (`quelle`),
  CONSTRAINT `fk_learning_skill_categories_source` FOREIGN KEY (`source_id`) REFERENCES `gsm_lit_sources` (`id`) ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_cc_class_category_points` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_class_id` bigint(20) unsigned NOT NULL,
  `skill_category_id` bigint(20) unsigned NOT NULL,
  `points` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_class_category` (`character_class_id`,`skill_category_id`),
  KEY `fk_gsm_cc_class_category_points_skill_category` (`skill_category_id`),
  CONSTRAINT `fk_gsm_cc_class_category_points_character_class` FOREIGN KEY (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_gsm_cc_class_category_points_skill_category` FOREIGN KEY (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_cc_class_spell_points` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_class_id` bigint(20) unsigned NOT NULL,
  `spell_points` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_gsm_cc_class_spell_points_character_class_id` (`character_class_id`),
  CONSTRAINT `fk_gsm_cc_class_spell_points_character_class` FOREIGN KEY (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_skills` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `initialwert` bigint(20) DEFAULT 5,
  `bonuseigenschaft` longtext DEFAULT NULL,
  `improvable` tinyint(1) DEFAULT NULL,
  `innate_skill` tinyint(1) DEFAULT NULL,
  `category` longtext DEFAULT NULL,
  `difficulty` longtext DEFAULT NULL,
  `basis_wert` bigint(20) DEFAULT 0,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_skills_game_system` (`game_system`),
  KEY `idx_gsm_skills_name` (`name`),
  KEY `idx_gsm_skills_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_cc_class_typical_skills` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_class_id` bigint(20) unsigned NOT NULL,
  `skill_id` bigint(20) unsigned NOT NULL,
  `bonus` bigint(20) NOT NULL DEFAULT 0,
  `attribute` varchar(10) DEFAULT NULL,
  `notes` longtext DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_cc_class_typical_skills_character_class_id` (`character_class_id`),
  KEY `idx_gsm_cc_class_typical_skills_skill_id` (`skill_id`),
  CONSTRAINT `fk_gsm_cc_class_typical_skills_character_class` FOREIGN KEY (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_gsm_cc_class_typical_skills_skill` FOREIGN KEY (`skill_id`) REFERENCES `gsm_skills` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_spells` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `bonus` bigint(20) DEFAULT NULL,
  `stufe` bigint(20) DEFAULT NULL,
  `ap` varchar(191) DEFAULT '1',
  `art` varchar(191) DEFAULT 'Gestenzauber',
  `zauberdauer` varchar(191) DEFAULT '10 sec',
  `reichweite` longtext DEFAULT NULL,
  `wirkungsziel` longtext DEFAULT NULL,
  `wirkungsbereich` longtext DEFAULT NULL,
  `wirkungsdauer` longtext DEFAULT NULL,
  `ursprung` longtext DEFAULT NULL,
  `category` varchar(191) DEFAULT 'normal',
  `learning_category` varchar(25) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_spells_learning_category` (`learning_category`),
  KEY `idx_gsm_spells_game_system` (`game_system`),
  KEY `idx_gsm_spells_name` (`name`),
  KEY `idx_gsm_spells_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_cc_class_typical_spells` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_class_id` bigint(20) unsigned NOT NULL,
  `spell_id` bigint(20) unsigned NOT NULL,
  `notes` longtext DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_cc_class_typical_spells_character_class_id` (`character_class_id`),
  KEY `idx_gsm_cc_class_typical_spells_spell_id` (`spell_id`),
  CONSTRAINT `fk_gsm_cc_class_typical_spells_character_class` FOREIGN KEY (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_gsm_cc_class_typical_spells_spell` FOREIGN KEY (`spell_id`) REFERENCES `gsm_spells` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_containers` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `personal_item` tinyint(1) DEFAULT 0,
  `tragkraft` double DEFAULT NULL,
  `volumen` double DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_containers_game_system` (`game_system`),
  KEY `idx_gsm_containers_name` (`name`),
  KEY `idx_gsm_containers_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_equipments` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `personal_item` tinyint(1) DEFAULT 0,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_equipments_game_system` (`game_system`),
  KEY `idx_gsm_equipments_name` (`name`),
  KEY `idx_gsm_equipments_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_misc` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `key` varchar(50) NOT NULL,
  `value` varchar(255) NOT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_misc_key` (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_transportations` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `personal_item` tinyint(1) DEFAULT 0,
  `tragkraft` double DEFAULT NULL,
  `volumen` double DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_transportations_game_system` (`game_system`),
  KEY `idx_gsm_transportations_name` (`name`),
  KEY `idx_gsm_transportations_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_weapons` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `gewicht` double DEFAULT NULL,
  `wert` double DEFAULT NULL,
  `personal_item` tinyint(1) DEFAULT 0,
  `skill_required` longtext DEFAULT NULL,
  `damage` longtext DEFAULT NULL,
  `range_near` bigint(20) DEFAULT NULL,
  `range_middle` bigint(20) DEFAULT NULL,
  `range_far` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_weapons_game_system` (`game_system`),
  KEY `idx_gsm_weapons_name` (`name`),
  KEY `idx_gsm_weapons_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `gsm_weaponskills` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `game_system` varchar(191) DEFAULT 'midgard',
  `name` varchar(255) DEFAULT NULL,
  `beschreibung` longtext DEFAULT NULL,
  `quelle` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned DEFAULT NULL,
  `page_number` bigint(20) DEFAULT NULL,
  `initialwert` bigint(20) DEFAULT 5,
  `bonuseigenschaft` longtext DEFAULT NULL,
  `improvable` tinyint(1) DEFAULT NULL,
  `innate_skill` tinyint(1) DEFAULT NULL,
  `category` longtext DEFAULT NULL,
  `difficulty` longtext DEFAULT NULL,
  `basis_wert` bigint(20) DEFAULT 0,
  PRIMARY KEY (`id`),
  KEY `idx_gsm_weaponskills_game_system` (`game_system`),
  KEY `idx_gsm_weaponskills_name` (`name`),
  KEY `idx_gsm_weaponskills_source_id` (`source_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_class_category_ep_costs` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_class_id` bigint(20) unsigned NOT NULL,
  `skill_category_id` bigint(20) unsigned NOT NULL,
  `ep_per_te` bigint(20) NOT NULL,
  `character_class` varchar(3) NOT NULL DEFAULT 'Or',
  `skill_category` varchar(15) NOT NULL DEFAULT 'Alltag',
  PRIMARY KEY (`id`),
  KEY `idx_learning_class_category_ep_costs_s_category` (`skill_category`),
  KEY `idx_learning_class_category_ep_costs_character_class_id` (`character_class_id`),
  KEY `idx_learning_class_category_ep_costs_skill_category_id` (`skill_category_id`),
  KEY `idx_learning_class_category_ep_costs_cc_lass` (`character_class`),
  CONSTRAINT `fk_learning_class_category_ep_costs_character_class` FOREIGN KEY (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_learning_class_category_ep_costs_skill_category` FOREIGN KEY (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_spell_schools` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(191) NOT NULL,
  `description` longtext DEFAULT NULL,
  `source_id` bigint(20) unsigned NOT NULL,
  `game_system` varchar(191) DEFAULT 'midgard',
  `quelle` varchar(3) DEFAULT 'KOD',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uni_learning_spell_schools_name` (`name`),
  KEY `idx_learning_spell_schools_source_id` (`source_id`),
  KEY `idx_learning_spell_schools_game_system` (`game_system`),
  KEY `idx_learning_spell_schools_quelle` (`quelle`),
  CONSTRAINT `fk_learning_spell_schools_source` FOREIGN KEY (`source_id`) REFERENCES `gsm_lit_sources` (`id`) ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_class_spell_school_ep_costs` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_class_id` bigint(20) unsigned NOT NULL,
  `spell_school_id` bigint(20) unsigned NOT NULL,
  `ep_per_le` bigint(20) NOT NULL,
  `character_class` varchar(3) NOT NULL DEFAULT 'Or',
  `spell_school` varchar(15) NOT NULL DEFAULT 'Dweomer',
  PRIMARY KEY (`id`),
  KEY `idx_learning_class_spell_school_ep_costs_cc_lass` (`character_class`),
  KEY `idx_learning_class_spell_school_ep_costs_s_category` (`spell_school`),
  KEY `idx_learning_class_spell_school_ep_costs_character_class_id` (`character_class_id`),
  KEY `idx_learning_class_spell_school_ep_costs_spell_school_id` (`spell_school_id`),
  CONSTRAINT `fk_learning_class_spell_school_ep_costs_character_class` FOREIGN KEY (`character_class_id`) REFERENCES `gsm_character_classes` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_learning_class_spell_school_ep_costs_spell_school` FOREIGN KEY (`spell_school_id`) REFERENCES `learning_spell_schools` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_skill_difficulties` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(191) NOT NULL,
  `description` longtext DEFAULT NULL,
  `game_system` varchar(191) DEFAULT 'midgard',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uni_learning_skill_difficulties_name` (`name`),
  KEY `idx_learning_skill_difficulties_game_system` (`game_system`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_skill_category_difficulties` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `skill_id` bigint(20) unsigned NOT NULL,
  `skill_category_id` bigint(20) unsigned NOT NULL,
  `skill_difficulty_id` bigint(20) unsigned NOT NULL,
  `learn_cost` bigint(20) NOT NULL,
  `skill_difficulty` varchar(15) NOT NULL DEFAULT 'normal',
  `skill_category` varchar(25) NOT NULL DEFAULT 'Alltag',
  PRIMARY KEY (`id`),
  KEY `idx_learning_skill_category_difficulties_skill_id` (`skill_id`),
  KEY `idx_learning_skill_category_difficulties_skill_category_id` (`skill_category_id`),
  KEY `idx_learning_skill_category_difficulties_skill_difficulty_id` (`skill_difficulty_id`),
  KEY `idx_learning_skill_category_difficulties_s_difficulty` (`skill_difficulty`),
  KEY `idx_learning_skill_category_difficulties_s_category` (`skill_category`),
  CONSTRAINT `fk_learning_skill_category_difficulties_skill` FOREIGN KEY (`skill_id`) REFERENCES `gsm_skills` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_learning_skill_category_difficulties_skill_category` FOREIGN KEY (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_learning_skill_category_difficulties_skill_difficulty` FOREIGN KEY (`skill_difficulty_id`) REFERENCES `learning_skill_difficulties` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

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

CREATE TABLE IF NOT EXISTS `learning_spell_level_le_costs` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `level` bigint(20) NOT NULL,
  `le_required` bigint(20) NOT NULL,
  `game_system` varchar(191) DEFAULT 'midgard',
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_learning_spell_level_le_costs_level` (`level`),
  KEY `idx_learning_spell_level_le_costs_game_system` (`game_system`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `learning_weaponskill_category_difficulties` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `weapon_skill_id` bigint(20) unsigned NOT NULL,
  `skill_category_id` bigint(20) unsigned NOT NULL,
  `skill_difficulty_id` bigint(20) unsigned NOT NULL,
  `learn_cost` bigint(20) NOT NULL,
  `skill_difficulty` varchar(15) NOT NULL DEFAULT 'normal',
  `skill_category` varchar(25) NOT NULL DEFAULT 'Waffen',
  PRIMARY KEY (`id`),
  KEY `idx_learning_weaponskill_category_difficulties_weapon_skill_id` (`weapon_skill_id`),
  KEY `idx_learning_weaponskill_category_difficulties_skill_category_id` (`skill_category_id`),
  KEY `idx_learning_weaponskill_category_difficulties_skill_dif466cdbb0` (`skill_difficulty_id`),
  KEY `idx_learning_weaponskill_category_difficulties_s_difficulty` (`skill_difficulty`),
  KEY `idx_learning_weaponskill_category_difficulties_s_category` (`skill_category`),
  CONSTRAINT `fk_learning_weaponskill_category_difficulties_skill_category` FOREIGN KEY (`skill_category_id`) REFERENCES `learning_skill_categories` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_learning_weaponskill_category_difficulties_skill_difficulty` FOREIGN KEY (`skill_difficulty_id`) REFERENCES `learning_skill_difficulties` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `fk_learning_weaponskill_category_difficulties_weapon_skill` FOREIGN KEY (`weapon_skill_id`) REFERENCES `gsm_weaponskills` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `users` (
  `user_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `username` varchar(191) DEFAULT NULL,
  `password_hash` longtext DEFAULT NULL,
  `email` varchar(191) DEFAULT NULL,
  `created_at` datetime(3) DEFAULT NULL,
  `updated_at` datetime(3) DEFAULT NULL,
  `reset_pw_hash` varchar(191) DEFAULT NULL,
  `reset_pw_hash_expires` datetime(3) DEFAULT NULL,
  `role` varchar(191) DEFAULT 'standard',
  `preferred_language` varchar(191) DEFAULT 'de',
  PRIMARY KEY (`user_id`),
  UNIQUE KEY `uni_users_username` (`username`),
  UNIQUE KEY `uni_users_email` (`email`),
  KEY `idx_users_reset_pw_hash` (`reset_pw_hash`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +down irreversible: 0.4.0 is the baseline layout; dropping these tables would destroy data (restore a backup instead)
