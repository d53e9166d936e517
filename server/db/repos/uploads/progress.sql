/* Nothing: records the phase and percent of a running upload. */
UPDATE upload SET phase = ${phase}, percent = ${percent}, updated_at = now() WHERE id = ${id}::uuid
