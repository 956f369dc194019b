DROP TABLE api_token_permissions;
DROP TABLE api_tokens;
