/* How many features of the upload are staged. */
SELECT count(*)::int AS n FROM upload_feature WHERE upload_id = ${id}::uuid
