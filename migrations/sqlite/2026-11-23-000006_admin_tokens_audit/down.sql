DROP TABLE audit_logs;
DROP TABLE api_token_owners;
