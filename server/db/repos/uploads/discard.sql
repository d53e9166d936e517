/* The status the upload had before the discard (null when missing); its staged rows are dropped
   when it could be discarded (not committed, not mid-commit or mid-validation). */
WITH before AS (
  SELECT status FROM upload WHERE id = ${id}::uuid FOR UPDATE
), done AS (
  UPDATE upload u SET status = 'discarded', phase = 'discarded', updated_at = now()
  FROM before b
  WHERE u.id = ${id}::uuid AND b.status IN ('ready','failed','discarded')
  RETURNING u.id
), f AS (
  DELETE FROM upload_feature WHERE upload_id = (SELECT id FROM done)
), i AS (
  DELETE FROM upload_issue WHERE upload_id = (SELECT id FROM done)
)
SELECT (SELECT status FROM before) AS status
