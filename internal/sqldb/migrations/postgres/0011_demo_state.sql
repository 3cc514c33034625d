-- Whether the demo enterprise was loaded whole. serve --demo loads it in
-- many steps; the row is written after the last, so a load that was
-- interrupted is told apart from one that finished (and from a database
-- holding real data). A database that already holds the whole demo from
-- before this table counts as loaded.
CREATE TABLE demo_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	loaded_at TEXT NOT NULL
);
INSERT INTO demo_state (id, loaded_at)
	SELECT 1, '1970-01-01T00:00:00.000000Z'
	WHERE EXISTS (SELECT 1 FROM users WHERE email = 'viewer@demo.lodestar')
	AND EXISTS (SELECT 1 FROM monitors m JOIN models o ON o.id = m.model_id WHERE o.key = 'recsys');
