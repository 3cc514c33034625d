-- Sessions record their last use, for the idle timeout (--session-idle):
-- '' is "at creation" (every session made before this).
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
