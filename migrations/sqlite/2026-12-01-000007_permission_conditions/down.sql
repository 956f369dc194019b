ALTER TABLE admin_permissions DROP COLUMN conditions;
