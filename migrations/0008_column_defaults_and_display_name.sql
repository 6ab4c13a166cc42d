-- version: 0.5.0
-- description: Column changes of main: game_system loses DEFAULT 'midgard' (14 tables), gsm_lit_sources.is_core/is_active lose their defaults, users gains display_name
-- +up
-- Only defaults change (ALTER COLUMN ... SET DEFAULT: metadata only, no table copy, no
-- data touched); main's GORM tags have no default there. users.display_name is
-- varchar(191) NOT NULL DEFAULT '' as main makes it; 0011 fills it from username.
ALTER TABLE IF EXISTS `gsm_skills` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_weaponskills` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_spells` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_equipments` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_weapons` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_containers` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_transportations` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_believes` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_lit_sources` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_character_classes` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_skill_categories` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_skill_difficulties` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_spell_schools` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `learning_spell_level_le_costs` ALTER COLUMN `game_system` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `gsm_lit_sources`
  ALTER COLUMN `is_core` SET DEFAULT NULL,
  ALTER COLUMN `is_active` SET DEFAULT NULL;
ALTER TABLE IF EXISTS `users` ADD COLUMN IF NOT EXISTS `display_name` varchar(191) NOT NULL DEFAULT '' AFTER `username`;
-- +down
-- Restores the 0.4.0 defaults; loses users.display_name.
ALTER TABLE IF EXISTS `gsm_skills` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_weaponskills` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_spells` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_equipments` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_weapons` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_containers` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_transportations` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_believes` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_lit_sources` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_character_classes` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `learning_skill_categories` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `learning_skill_difficulties` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `learning_spell_schools` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `learning_spell_level_le_costs` ALTER COLUMN `game_system` SET DEFAULT 'midgard';
ALTER TABLE IF EXISTS `gsm_lit_sources`
  ALTER COLUMN `is_core` SET DEFAULT 0,
  ALTER COLUMN `is_active` SET DEFAULT 1;
ALTER TABLE IF EXISTS `users` DROP COLUMN IF EXISTS `display_name`;
