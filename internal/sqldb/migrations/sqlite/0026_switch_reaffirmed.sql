-- Whether a switch's last flip left its state and fallback as they were:
-- a re-affirmation (a new reason, a new version, audited), not a change.
-- Read with the switch, it reaches the flip's audit entry, the API and
-- every stream, whichever process made the flip.
ALTER TABLE switches ADD COLUMN reaffirmed INTEGER NOT NULL DEFAULT 0;
