/* Appends one event to the audit trail; the trigger security_event_chain gives it its seq and hashes. Returns its seq. */
INSERT INTO security_event (kind, username, user_id, actor_role, address, object, result, request_id, detail)
VALUES (${kind}, left(${username}, 64), ${userId}, ${role}, left(${address}, 64), left(${object}, 200), ${result}, left(${requestId}, 64), ${detail}::jsonb)
RETURNING seq
