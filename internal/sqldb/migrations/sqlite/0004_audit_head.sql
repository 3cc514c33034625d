-- The audit head always exists (seeded at the genesis hash) and cannot be
-- deleted, so removing the whole log and its head is not an "intact" empty
-- log: Verify treats a missing head as a break.
INSERT INTO audit_head (id, seq, hash)
SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000'
WHERE NOT EXISTS (SELECT 1 FROM audit_head);

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END;
