-- Per-token limits: where a token may be used from and how often. A side table, so that
-- api_tokens stays within diesel's 16-column tables; one row per token that has a limit.
CREATE TABLE api_token_policies (
    token_id INTEGER PRIMARY KEY NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    allowed_ips TEXT NOT NULL DEFAULT '[]',
    rate_limit INTEGER
);
