ALTER TABLE admin_users DROP COLUMN registration_token_hash;
