/* 批而未供 approved but unsupplied (DOMAIN.md; seed §一(二)1–2, §二(三)8): for each approval
   batch, the part of its polygon not covered by parcels supplied at the date. Areas are on the
   spheroid (ellipsoidal_area_m2), rounded to 0.01 m² as numeric so that every total is the exact
   sum of its parts. */

CREATE OR REPLACE FUNCTION analysis.unsupplied(as_of date, batch_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (batch_id bigint, approval_no text, county_code char(6), cluster_code text, approved_on date,
                 old_stock boolean, batch_m2 numeric, supplied_m2 numeric, remainder_m2 numeric, remainder_mu numeric,
                 sliver_count integer, sliver_m2 numeric, digestion_rate numeric, geom geometry, reason jsonb)
  LANGUAGE sql STABLE AS $$
  -- The county's thresholds and their citations, once per county rather than once per batch.
  WITH rc AS MATERIALIZED (
    SELECT rs.county_code,
      analysis.rule_num(rs.rules, 'sliver_m2')::double precision AS sliver_min,
      analysis.rule_date(rs.rules, 'stock_cutoff_date') AS cutoff,
      jsonb_build_array(analysis.rule_cite(rs.rules, 'sliver_m2'), analysis.rule_cite(rs.rules, 'stock_cutoff_date')) AS cites
    FROM analysis.rules_at($1) rs
  ),
  b AS (
    SELECT ab.id, ab.approval_no, ab.county_code, ab.cluster_code, ab.approved_on, ab.geom, ab.area_m2,
      rc.sliver_min, rc.cites, ab.approved_on < rc.cutoff AS old_stock
    FROM approval_batch ab JOIN rc ON rc.county_code = ab.county_code
    WHERE ab.approved_on <= $1 AND ($2 IS NULL OR ab.id = ANY($2))
  ),
  -- Supplied at the date: a contract in force, and the parcel not retired. MATERIALIZED, and the
  -- remainder in a subquery kept apart (OFFSET 0): it is read several times below, and an inlined
  -- expression would be computed each time.
  d AS MATERIALIZED (
    SELECT b.*, cov.ids, x.rem, a.whole_a,
      coalesce(NOT ST_IsEmpty(x.rem) AND a.whole_a >= b.sliver_min, false) AS simple
    FROM b LEFT JOIN LATERAL (
      SELECT ST_Union(p.geom) AS g, array_agg(p.id ORDER BY p.id) AS ids
      FROM parcel p
      WHERE p.geom && b.geom AND ST_Intersects(p.geom, b.geom)
        AND (p.retired_at IS NULL OR analysis.local_date(p.retired_at) > $1)
        AND EXISTS (SELECT 1 FROM supply_contract c WHERE c.parcel_id = p.id AND c.signed_on <= $1
                    AND (c.terminated_on IS NULL OR c.terminated_on > $1))
    ) cov ON true
    -- The difference of two polygonal geometries is polygonal (or empty): nothing to extract.
    CROSS JOIN LATERAL (SELECT CASE WHEN cov.g IS NULL THEN b.geom ELSE ST_Difference(b.geom, cov.g) END AS rem OFFSET 0) x
    -- A remainder in one piece (most of them) is measured whole, like any polygon; GeometryType
    -- reads only the header, where ST_NumGeometries would decode the whole shape.
    CROSS JOIN LATERAL (SELECT CASE WHEN GeometryType(x.rem) = 'POLYGON' THEN ellipsoidal_area_m2(x.rem) END AS whole_a OFFSET 0) a
  ),
  -- Pieces below sliver_m2 are digitising noise between batch and parcel edges: dropped from the
  -- remainder, and counted with their area so that nothing is lost silently. Only a remainder in
  -- several pieces (or one tiny piece) is taken apart.
  k AS (
    SELECT d.*,
      CASE WHEN d.simple THEN ST_Multi(d.rem) ELSE x.kept_geom END AS kept_geom,
      CASE WHEN d.simple THEN d.whole_a ELSE x.kept_a END AS kept_a,
      CASE WHEN d.simple THEN 0 ELSE x.slivers END AS slivers,
      CASE WHEN d.simple THEN 0 ELSE x.sliver_a END AS sliver_a
    FROM d LEFT JOIN LATERAL (
      SELECT ST_Multi(ST_Collect(pc.g ORDER BY pc.path) FILTER (WHERE pc.a >= d.sliver_min)) AS kept_geom,
             coalesce(sum(pc.a) FILTER (WHERE pc.a >= d.sliver_min), 0) AS kept_a,
             count(*) FILTER (WHERE pc.a < d.sliver_min)::integer AS slivers,
             coalesce(sum(pc.a) FILTER (WHERE pc.a < d.sliver_min), 0) AS sliver_a
      FROM (SELECT dp.geom AS g, dp.path, ellipsoidal_area_m2(dp.geom) AS a FROM ST_Dump(d.rem) dp) pc
      WHERE NOT d.simple
    ) x ON true
  ),
  r AS (
    SELECT k.*, analysis.m2(k.area_m2) AS b_m2, analysis.m2(k.kept_a) AS rem_m2, analysis.m2(k.sliver_a) AS sl_m2 FROM k
  )
  SELECT r.id, r.approval_no, r.county_code, r.cluster_code, r.approved_on, r.old_stock,
    r.b_m2, r.b_m2 - r.rem_m2 - r.sl_m2, r.rem_m2, analysis.mu(r.rem_m2), r.slivers, r.sl_m2,
    round((r.b_m2 - r.rem_m2) / nullif(r.b_m2, 0), 6),
    r.kept_geom,
    -- The constant part is one jsonb folded when the query is planned; only the rest is built per batch.
    '{"classification": "unsupplied", "rule": "unsupplied.remainder",
      "label": "批而未供：批次范围内未被已供宗地覆盖的部分 / the part of the approval batch not covered by supplied parcels",
      "basis": "洛政办〔2021〕16号 §一(二)1–2, §二(三)8"}'::jsonb
    || jsonb_build_object(
      'as_of', $1,
      'measured', jsonb_build_object('batch_m2', r.b_m2, 'remainder_m2', r.rem_m2, 'sliver_count', r.slivers, 'sliver_m2', r.sl_m2),
      'test', 'remainder = batch − parcels with a contract in force at as_of, pieces under sliver_m2 dropped',
      'thresholds', r.cites,
      'sources', jsonb_build_array(
        jsonb_build_object('table', 'approval_batch', 'id', r.id, 'approval_no', r.approval_no, 'approved_on', r.approved_on),
        jsonb_build_object('table', 'parcel', 'field', 'supplied cover', 'ids', coalesce(to_jsonb(r.ids), '[]'::jsonb))))
  FROM r
$$;
COMMENT ON FUNCTION analysis.unsupplied(date, bigint[]) IS
  '批而未供 per approval batch approved by the date: remainder polygon not covered by parcels with a contract in force (pieces under sliver_m2 dropped and counted), areas m² and mu (ellipsoidal, 0.01 m²), digestion rate = (batch − remainder) / batch, old stock flag, reason';
