DROP TABLE api_token_policies;
