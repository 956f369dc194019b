DROP INDEX api_tokens_previous_key_hash;
ALTER TABLE api_tokens DROP COLUMN previous_expires_at;
ALTER TABLE api_tokens DROP COLUMN previous_key_hash;
