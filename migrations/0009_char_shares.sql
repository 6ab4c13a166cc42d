-- version: 0.5.0
-- description: Create char_shares (characters shared with other users), as main's model makes it
-- +up
-- No FKs: main's model declares none.
CREATE TABLE IF NOT EXISTS `char_shares` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `character_id` bigint(20) unsigned DEFAULT NULL,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  `permission` longtext DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_char_shares_character_id` (`character_id`),
  KEY `idx_char_shares_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +down
-- Loses every share (0.4.0 has no sharing).
DROP TABLE IF EXISTS `char_shares`;
