-- An invited admin: no password yet, and the hash of the token of their invitation link (the
-- token itself is shown once, to whoever invited them). Cleared when they register.
ALTER TABLE admin_users ADD COLUMN registration_token_hash TEXT;
