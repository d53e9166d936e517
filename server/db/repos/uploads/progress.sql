/* Nothing: records the phase and percent of a running upload, where every process reads it. The
   progress writes are not awaited, so one can arrive after the upload has moved on (ready,
   committed, failed): it must not overwrite the final phase then (a race seen in CI: status ready
   with phase still "checking"). A committed upload shows the analysis refresh that follows it,
   until that refresh has ended (settled.sql sets settled_at). */
UPDATE upload SET phase = ${phase}, percent = ${percent}, updated_at = now()
WHERE id = ${id}::uuid AND (status IN ('receiving', 'validating', 'committing')
   OR (status = 'committed' AND ${phase} = 'analysing' AND settled_at IS NULL))
