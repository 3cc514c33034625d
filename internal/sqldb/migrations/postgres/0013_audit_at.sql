-- The dashboard lists the latest changes by time (see AuditFilter.ByTime).
CREATE INDEX audit_log_at ON audit_log(at);
