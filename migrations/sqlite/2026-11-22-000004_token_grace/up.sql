-- Rotation with a grace period: the previous secret's hash keeps working until its end.
ALTER TABLE api_tokens ADD COLUMN previous_key_hash TEXT;
ALTER TABLE api_tokens ADD COLUMN previous_expires_at TIMESTAMP;
CREATE UNIQUE INDEX api_tokens_previous_key_hash ON api_tokens (previous_key_hash);
