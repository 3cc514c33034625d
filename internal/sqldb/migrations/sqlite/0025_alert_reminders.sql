-- An open alert nobody has acknowledged is announced again (alert.reminder)
-- every remind_after hours (a monitor setting, in its config) after it was
-- last announced. last_notified_at is when it last was: opened, opened
-- again, or reminded; reminders counts the reminders sent. The reminder
-- is queued by a conditional update of both, so that replicas sharing the
-- database queue each once. Open alerts from before take their opening
-- as their last announcement; others need none.
ALTER TABLE alerts ADD COLUMN last_notified_at TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
UPDATE alerts SET last_notified_at = opened_at WHERE status = 'open';
