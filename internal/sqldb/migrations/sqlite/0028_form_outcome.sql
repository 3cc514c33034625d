-- What became of a claimed form (form_submissions, 0010). acted_at is set
-- when the handler of the submission that holds the claim has acted on it
-- (NULL: still being acted on), and see is where its result can be seen
-- (the page the first answer sent the browser to; '' when not known). A
-- second send of the form waits for acted_at, or for the claim to be given
-- back, before it answers: a refusal that it "was sent already" stands
-- only for a submission that was acted on. Claims made before this
-- migration were acted on (refused ones were given back).
ALTER TABLE form_submissions ADD COLUMN acted_at TEXT;
ALTER TABLE form_submissions ADD COLUMN see TEXT NOT NULL DEFAULT '';
UPDATE form_submissions SET acted_at = created_at;
