-- Forms sent once. Every form on a page carries the page's random form_id;
-- a signed-in user's POST claims (user, form_id) here before it is acted
-- on, so a second POST of the same form (a double click, a browser resend)
-- is refused instead of done twice. A refused submission gives its claim
-- back, so the corrected form can be sent. Claims older than a day go.
CREATE TABLE form_submissions (
	user_id BIGINT NOT NULL,
	form_id TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (user_id, form_id)
);
CREATE INDEX form_submissions_created ON form_submissions (created_at);
