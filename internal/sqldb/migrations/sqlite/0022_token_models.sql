-- An API token may be bound to models: it then sends events and labels to
-- those models only. A token with no rows here (every token made before
-- this) may send to every model its user's role may.
CREATE TABLE api_token_models (
	token_id INTEGER NOT NULL REFERENCES api_tokens(id),
	model_id INTEGER NOT NULL REFERENCES models(id),
	PRIMARY KEY (token_id, model_id)
);
