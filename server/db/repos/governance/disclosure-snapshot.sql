/* One disclosure snapshot (an id, or NULL for the latest) as published: date, per-county publication settings, counts, items (whitelisted fields only). */
WITH r AS (
  SELECT r.id, r.as_of, r.generated_at, r.result FROM governance.report r
  WHERE r.kind = 'disclosure' AND r.id = coalesce(${id}::bigint, (SELECT max(x.id) FROM governance.report x WHERE x.kind = 'disclosure'))
)
SELECT jsonb_build_object(
  'id', r.id, 'as_of', r.as_of, 'published_at', r.generated_at,
  'basis', r.result -> 'basis',
  'settings', (SELECT coalesce(jsonb_agg(s - 'rule_ids' ORDER BY s ->> 'county_code'), '[]'::jsonb) FROM jsonb_array_elements(r.result -> 'settings') s),
  'counts', r.result -> 'counts',
  'items', (SELECT coalesce(jsonb_agg(governance.disclosure_item_json(d.seq, d.class, d.ref, d.detail, d.county_code, d.county_name,
                 d.cluster_code, d.cluster_name, d.area_m2, d.area_mu, d.since, d.responsible_unit, d.geom) ORDER BY d.seq), '[]'::jsonb)
            FROM governance.disclosure_item d WHERE d.report_id = r.id)) AS snapshot
FROM r
