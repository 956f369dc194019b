-- API tokens: only an HMAC of each token is kept (with the version of the salt that made it),
-- and, when viewable tokens are on, its AES-256-GCM ciphertext.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'content-api',
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    access_key_hash TEXT NOT NULL UNIQUE,
    salt_version TEXT NOT NULL,
    encrypted_key TEXT,
    lifespan BIGINT,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    last_used_ip TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE api_token_permissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    UNIQUE (token_id, action)
);
