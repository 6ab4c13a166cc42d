-- version: 0.5.0
-- description: Data: copy gsm_spells.category into learning_category where that is empty, and fill users.display_name from username where it is empty
-- +up
-- learning_category: as main's migrateSpellLearningCategories. The column is varchar(25)
-- and category varchar(191); a longer category is cut to 25 characters instead of failing
-- under STRICT_TRANS_TABLES (category itself keeps the full text).
-- display_name: main sets it from username only when it creates a user; upstream's
-- AutoMigrate leaves existing users with ''. We fill it so existing users show a name.
-- Both UPDATEs touch only empty values: a re-run changes nothing.
UPDATE `gsm_spells`
   SET `learning_category` = LEFT(`category`, 25)
 WHERE (`learning_category` IS NULL OR `learning_category` = '')
   AND `category` IS NOT NULL AND `category` <> '';

UPDATE `users`
   SET `display_name` = `username`
 WHERE `display_name` = '' AND `username` IS NOT NULL AND `username` <> '';
-- +down
-- Nothing to undo in the layout: learning_category exists in 0.4.0 too, and the copied
-- values cannot be told apart from values set by hand, so they stay (harmless: they are
-- the spell's own category). display_name disappears with 0008's down.
DO 0;
