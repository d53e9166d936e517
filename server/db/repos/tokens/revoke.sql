/* Revokes a live token of ${ownerId} (NULL: of anyone, for an admin) by ${revokedBy}; returns its id and owner, or no row when there is none such. */
UPDATE personal_token SET revoked_at = now(), revoked_by = ${revokedBy}
 WHERE id = ${id} AND revoked_at IS NULL AND (${ownerId}::bigint IS NULL OR user_id = ${ownerId})
RETURNING id, user_id
