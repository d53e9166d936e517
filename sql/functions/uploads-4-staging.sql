/* What a deleted upload leaves in staging goes with it (migration 1020: the staging tables have no
   foreign key to upload, which checked each of their rows on its own). */
CREATE OR REPLACE FUNCTION upload_staging_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM upload_feature f USING gone g WHERE f.upload_id = g.id;
  DELETE FROM upload_issue i USING gone g WHERE i.upload_id = g.id;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION upload_staging_cascade() IS 'deletes the staged features and issues of deleted uploads (the staging tables keep no foreign key)';
