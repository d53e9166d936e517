/* Undoes what the chunks of an upload's commit already committed (migration 1080): the parcels
   they inserted are deleted, the ones they changed get their kept row back (every stored column
   but the generated ones and id; the geometry bit for bit). Rows a chunk left unchanged
   (same version) are not touched; an inserted parcel someone has linked a record to meanwhile is
   retired instead of deleted. The event log records the undo as writes of their own with the
   note 'undo upload <id>' (一地一档: the log is append-only). Returns the rows put back or deleted. */
CREATE OR REPLACE FUNCTION upload_undo_commit(up uuid) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  c record;
  n integer;
  m integer;
  cols text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM upload_commit_undo WHERE upload_id = up) THEN RETURN 0; END IF;
  PERFORM set_config('onemap.note', 'undo upload ' || up, true);
  BEGIN
    DELETE FROM parcel p USING upload_commit_undo u
     WHERE u.upload_id = up AND u.old IS NULL AND p.code = u.code;
    GET DIAGNOSTICS n = ROW_COUNT;
  EXCEPTION WHEN foreign_key_violation THEN
    -- someone linked a record (a contract, an event) to a parcel a chunk inserted, meanwhile: that
    -- parcel cannot go without what refers to it, so it is retired with the reason (parcel.retired_at,
    -- migration 001), and the others are deleted one by one
    n := 0;
    FOR c IN SELECT p.id FROM parcel p JOIN upload_commit_undo u ON p.code = u.code
              WHERE u.upload_id = up AND u.old IS NULL LOOP
      BEGIN
        DELETE FROM parcel WHERE id = c.id;
      EXCEPTION WHEN foreign_key_violation THEN
        UPDATE parcel SET retired_at = now(), retired_reason = '上传 ' || up || ' 提交失败已撤销 / upload ' || up || ' undone',
                          version = version + 1, updated_at = now()
         WHERE id = c.id AND retired_at IS NULL;
      END;
      n := n + 1;
    END LOOP;
  END;
  SELECT string_agg(format('%I = r.%I', a.attname, a.attname), ', ' ORDER BY a.attnum) INTO cols
    FROM pg_attribute a
   WHERE a.attrelid = 'parcel'::regclass AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attgenerated = '' AND a.attname NOT IN ('id', 'geom');
  EXECUTE format($q$
    UPDATE parcel p SET %s, geom = u.old_geom
    FROM upload_commit_undo u CROSS JOIN LATERAL jsonb_populate_record(NULL::parcel, u.old) r
    WHERE u.upload_id = $1 AND u.old IS NOT NULL AND p.id = r.id AND p.version <> r.version$q$, cols)
  USING up;
  GET DIAGNOSTICS m = ROW_COUNT;
  DELETE FROM upload_commit_undo WHERE upload_id = up;
  PERFORM set_config('onemap.note', '', true);
  RETURN n + m;
END $$;
COMMENT ON FUNCTION upload_undo_commit(uuid) IS
  'puts back the parcels the committed chunks of a failed chunked upload commit inserted or changed';
