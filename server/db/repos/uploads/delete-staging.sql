/* Nothing: drops the staged rows of an upload that no longer needs them (committed). */
DELETE FROM upload_issue WHERE upload_id = ${id}::uuid;
DELETE FROM upload_feature WHERE upload_id = ${id}::uuid
