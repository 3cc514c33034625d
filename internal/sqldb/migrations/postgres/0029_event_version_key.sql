-- A late label marks the monitors of its event's version (0027), and the
-- version sat only in the event's compressed batch row: a label write
-- decoded every batch row holding a labelled event's time. event_ids now
-- keeps, beside each event's time, a key of its version (the version
-- string's 64-bit FNV-1a hash, as a signed integer), written at ingestion,
-- so a label write finds its events' versions in the rows it reads anyway.
-- Events stored before this migration keep NULL, and their versions are
-- still read from their batch rows. Adding a nullable column rewrites no row.
ALTER TABLE event_ids ADD COLUMN version_key BIGINT;
