-- An open alert can be acknowledged: who took it on, when, and their note.
ALTER TABLE alerts ADD COLUMN acked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN ack_note TEXT NOT NULL DEFAULT '';
