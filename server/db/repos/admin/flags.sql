/* The official flags of a parcel (every one, cleared ones too), oldest first, as a JSON array; no row when the parcel is missing or out of scope. */
SELECT coalesce((
  SELECT jsonb_agg(jsonb_build_object(
    'id', f.id, 'kind', f.kind, 'doc_no', f.doc_no, 'reason', f.reason, 'set_by', f.set_by, 'set_on', f.set_on,
    'cleared_on', f.cleared_on, 'cleared_doc_no', f.cleared_doc_no, 'cleared_reason', f.cleared_reason,
    'cleared_by', f.cleared_by, 'version', f.version,
    'in_force', f.set_on <= luoyang_today() AND (f.cleared_on IS NULL OR f.cleared_on > luoyang_today()))
    ORDER BY f.set_on, f.id)
  FROM parcel_flag f WHERE f.parcel_id = p.id), '[]'::jsonb) AS flags
FROM parcel p
WHERE p.code = ${code} AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
