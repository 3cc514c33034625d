-- What a model version is: where its artifact lives, the artifact's
-- SHA-256 digest, the git commit of the code that made it and its training
-- run. All optional ('' when not recorded, as for every version made
-- before this); frozen once the version leaves development.
ALTER TABLE model_versions ADD COLUMN artifact_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN artifact_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN source_commit TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN training_run TEXT NOT NULL DEFAULT '';
