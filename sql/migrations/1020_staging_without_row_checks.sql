/* The staging tables are scratch written 100 000 rows a statement (the staged features, then one
   issue row per finding: 97 543 outside-cluster warnings in the ingest bench), and their foreign
   key to upload checked every row on its own: 1.3 s of staging 100 000 parcels and 0.8 s of their
   checks, measured (EXPLAIN ANALYZE, "Trigger for constraint"). Staging rows are written only by
   an upload's own job, after its row exists, and no upload row is ever deleted by the product; the
   keys go, and what they did on a delete (ON DELETE CASCADE) is kept by a statement trigger on
   upload (sql/functions/uploads-4-staging.sql holds its body). */
ALTER TABLE upload_feature DROP CONSTRAINT upload_feature_upload_id_fkey;
ALTER TABLE upload_issue DROP CONSTRAINT upload_issue_upload_id_fkey;
CREATE FUNCTION upload_staging_cascade() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER upload_staging_cascade AFTER DELETE ON upload
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION upload_staging_cascade();
