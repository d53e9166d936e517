/* Nothing: the upload failed; the reason is kept and its staged rows are dropped. */
UPDATE upload SET status = 'failed', phase = 'failed', error = ${error}::jsonb, updated_at = now()
WHERE id = ${id}::uuid AND status NOT IN ('committed','discarded');
DELETE FROM upload_issue WHERE upload_id = ${id}::uuid;
DELETE FROM upload_feature WHERE upload_id = ${id}::uuid
