/* Nothing: a new mapping checks again, so what an earlier check found of the changes goes first;
   then the layer's own statement (layers/<layer>/changes.sql, the registry's sql.changes) records
   for each staged feature what the commit would change on the live record with its key
   (upload_feature.changed_fields: NULL new, empty unchanged, else the fields), with the functions
   the commit decides by (sql/functions/uploads-1-unchanged.sql). */
UPDATE upload_feature f SET changed_fields = NULL WHERE f.upload_id = ${uploadId} AND f.changed_fields IS NOT NULL
