-- Admin tokens (kind 'admin' in api_tokens) belong to the admin who made them; their admin
-- actions are rows of api_token_permissions. A side table, as api_tokens is at 16 columns.
CREATE TABLE api_token_owners (
    token_id INTEGER PRIMARY KEY NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE
);
CREATE INDEX api_token_owners_user ON api_token_owners (user_id);

-- The audit log: append-only, never a secret. `actor` is `admin:<id>`, `token:<id>`,
-- `config:<n>` or null; `details` is a JSON object.
CREATE TABLE audit_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    event TEXT NOT NULL,
    actor TEXT,
    token_id INTEGER,
    status INTEGER,
    ip TEXT,
    user_agent TEXT,
    client_id TEXT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_logs_created_at ON audit_logs (created_at);
