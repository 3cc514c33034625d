-- How a switch's last flip was made: web, api or cli ('' before this was
-- recorded). It goes into the flip's audit entry with the rest of the
-- switch, so the flip history can say a flip came from the shell.
ALTER TABLE switches ADD COLUMN via TEXT NOT NULL DEFAULT '';
