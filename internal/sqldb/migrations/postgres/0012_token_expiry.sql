-- API tokens may expire: '' is never (every token made before this).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
