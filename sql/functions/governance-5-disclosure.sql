/* 信息公开 (§四(四) "适时公布批而未供、闲置、低效用地信息，宣传相关政策，接受社会监督"): the lists of
   approved-but-unsupplied, idle and inefficient land at a date — location, area, class, since when,
   responsible unit — for the classes each county publishes (county rule disclosure_publish: the
   city-wide row, a county's own row overriding a class). Nothing else leaves: no enterprise, no tax,
   output or price, no person. Idle findings suspended by a government-caused delay are not published. */

SET LOCAL check_function_bodies = off;

-- Per county, which classes it publishes at a date: the city-wide setting, each class overridden by
-- the county's own row when it has one; with the ids of the rows applied.
CREATE OR REPLACE FUNCTION governance.disclosure_settings(as_of date)
  RETURNS TABLE (county_code text, county_name text, unsupplied boolean, idle boolean, inefficient boolean, rule_ids bigint[])
  LANGUAGE sql STABLE AS $$
  WITH city AS (SELECT rs.rules -> 'disclosure_publish' AS r FROM analysis.rules_at($1) rs WHERE rs.county_code IS NULL),
  s AS (
    SELECT k.code::text AS county_code, k.name AS county_name, city.r AS city_r,
      CASE WHEN rs.rules -> 'disclosure_publish' ->> 'county_code' IS NOT NULL THEN rs.rules -> 'disclosure_publish' END AS own_r
    FROM county k CROSS JOIN city LEFT JOIN analysis.rules_at($1) rs ON rs.county_code = k.code
  ),
  v AS (SELECT s.*, coalesce(s.city_r -> 'value', '{}'::jsonb) || coalesce(s.own_r -> 'value', '{}'::jsonb) AS merged FROM s)
  SELECT v.county_code, v.county_name,
    coalesce((v.merged ->> 'unsupplied')::boolean, false), coalesce((v.merged ->> 'idle')::boolean, false),
    coalesce((v.merged ->> 'inefficient')::boolean, false),
    array_remove(ARRAY[(v.city_r ->> 'rule_id')::bigint, (v.own_r ->> 'rule_id')::bigint], NULL)
  FROM v
$$;
COMMENT ON FUNCTION governance.disclosure_settings(date) IS
  'per county, whether its 批而未供, 闲置 and 低效 lists are published at a date (disclosure_publish: city-wide, a county row overriding a class), and the rule ids applied';

CREATE OR REPLACE FUNCTION governance.inefficient_label(types smallint[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg(CASE t WHEN 1 THEN '产业转型类' WHEN 2 THEN '停建缓建类' WHEN 3 THEN '开发未达标类'
                           WHEN 4 THEN '停产半停产类' WHEN 5 THEN '产出未达标类' ELSE '其他类' END, '、' ORDER BY t)
  FROM unnest($1) t
$$;
COMMENT ON FUNCTION governance.inefficient_label(smallint[]) IS 'the names of inefficient types (annex 3 art. 2), in type order';

/* The items of the public lists at a date, numbered in a fixed order (class, county, cluster, ref).
   Unsupplied: the remainder polygon of each batch (ref: 批准文号, since: approval). Idle and
   inefficient: the parcel (ref: 宗地编号), since the earliest finding held (governance.finding_since).
   Responsible unit: that of the parcel's ledger entry recorded by the date (an open one first), else
   the county government (责任单位：各县区政府（管委会）, as the plan assigns the disposal). */
CREATE OR REPLACE FUNCTION governance.disclosure_items(as_of date)
  RETURNS TABLE (seq integer, class text, ref text, detail text, county_code text, county_name text, cluster_code text,
                 cluster_name text, area_m2 numeric, area_mu numeric, since date, responsible_unit text, geom geometry)
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH pub AS MATERIALIZED (SELECT * FROM governance.disclosure_settings($1)),
  un AS (
    SELECT 'unsupplied' AS class, u.approval_no AS ref,
      CASE WHEN u.old_stock THEN format('%s年前批准的存量', extract(year FROM (analysis.rule(u.county_code, 'stock_cutoff_date', $1) #>> '{}')::date)) END AS detail,
      u.county_code::text AS county_code, u.cluster_code, u.remainder_m2 AS area_m2, u.approved_on AS since, NULL::bigint AS parcel_id, u.geom
    FROM analysis.unsupplied_at($1) u JOIN pub ON pub.county_code = u.county_code AND pub.unsupplied
    WHERE u.remainder_m2 > 0 AND u.geom IS NOT NULL
  ),
  pf AS (
    SELECT f.classification AS class, f.parcel_id,
      CASE WHEN f.classification = 'idle' THEN CASE WHEN max(f.stage) = 2 THEN '闲置满两年' ELSE '闲置一年以上不满两年' END
           ELSE governance.inefficient_label(array_agg(DISTINCT f.inefficient_type ORDER BY f.inefficient_type)) END AS detail,
      min(governance.finding_since(f.rule, f.reason)) AS since
    FROM analysis.findings_at($1) f
    WHERE f.classification = 'inefficient' OR (f.classification = 'idle' AND NOT f.suspended)
    GROUP BY f.classification, f.parcel_id
  ),
  pp AS (
    SELECT pf.class, p.code AS ref, pf.detail, p.county_code::text AS county_code, p.cluster_code, analysis.m2(p.area_m2) AS area_m2,
      pf.since, p.id AS parcel_id, p.geom
    FROM pf JOIN parcel p ON p.id = pf.parcel_id
    JOIN pub ON pub.county_code = p.county_code AND CASE pf.class WHEN 'idle' THEN pub.idle ELSE pub.inefficient END
  ),
  a AS (SELECT * FROM un UNION ALL SELECT * FROM pp)
  SELECT (row_number() OVER (ORDER BY array_position(ARRAY['unsupplied','idle','inefficient'], a.class), a.county_code,
                                      a.cluster_code NULLS LAST, a.ref))::integer,
    a.class, a.ref, a.detail, a.county_code, k.name, a.cluster_code, c.name, a.area_m2, analysis.mu(a.area_m2), a.since,
    coalesce(l.responsible_unit, k.name || '人民政府'), ST_Multi(a.geom)
  FROM a JOIN county k ON k.code = a.county_code
  LEFT JOIN cluster c ON c.code = a.cluster_code
  LEFT JOIN LATERAL (
    SELECT l.responsible_unit FROM disposal_ledger l
    WHERE l.parcel_id = a.parcel_id AND analysis.local_date(l.created_at) <= $1
    ORDER BY coalesce(l.completed_on <= $1, false), l.created_at DESC, l.id DESC LIMIT 1) l ON true
$$;
COMMENT ON FUNCTION governance.disclosure_items(date) IS
  'the public lists (§四(四)) at a date for the classes each county publishes: seq, class, ref (批准文号 or 宗地编号), detail, county, cluster, area, since, responsible unit, shape; no enterprise, tax, output, price or personal data';

-- One public item as JSON: the whitelisted fields and a point to place it (the shape goes to the tiles).
CREATE OR REPLACE FUNCTION governance.disclosure_item_json(seq integer, class text, ref text, detail text, county_code text,
    county_name text, cluster_code text, cluster_name text, area_m2 numeric, area_mu numeric, since date, responsible_unit text,
    geom geometry)
  RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'seq', $1, 'class', $2,
    'class_label', CASE $2 WHEN 'unsupplied' THEN '批而未供' WHEN 'idle' THEN '闲置' ELSE '低效' END,
    'ref', $3, 'detail', $4, 'county_code', $5, 'county_name', $6, 'cluster_code', $7, 'cluster_name', $8,
    'area_m2', $9, 'area_mu', round($10, 4), 'since', $11, 'responsible_unit', $12,
    'lon', round(ST_X(ST_PointOnSurface($13))::numeric, 6), 'lat', round(ST_Y(ST_PointOnSurface($13))::numeric, 6))
$$;
COMMENT ON FUNCTION governance.disclosure_item_json(integer, text, text, text, text, text, text, text, numeric, numeric, date, text, geometry) IS
  'one published item as JSON: seq, class, class_label, ref, detail, county, cluster, area, since, responsible_unit, lon/lat of a point on it';

-- The snapshot's result as a report stores it (and a regeneration compares it): settings, counts, items.
CREATE OR REPLACE FUNCTION governance.disclosure_result(as_of date) RETURNS jsonb
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH d AS MATERIALIZED (SELECT * FROM governance.disclosure_items($1))
  SELECT jsonb_build_object(
    'kind', 'disclosure', 'as_of', $1,
    'basis', '洛政办〔2021〕16号 §四(四)：适时公布批而未供、闲置、低效用地信息，接受社会监督',
    'settings', (SELECT coalesce(jsonb_agg(jsonb_build_object('county_code', s.county_code, 'county_name', s.county_name,
                   'unsupplied', s.unsupplied, 'idle', s.idle, 'inefficient', s.inefficient, 'rule_ids', to_jsonb(s.rule_ids))
                   ORDER BY s.county_code), '[]'::jsonb) FROM governance.disclosure_settings($1) s),
    'counts', (SELECT jsonb_object_agg(c.class, jsonb_build_object('items', coalesce(x.n, 0), 'area_mu', coalesce(round(x.mu, 4), 0)))
               FROM unnest(ARRAY['unsupplied','idle','inefficient']) c(class)
               LEFT JOIN (SELECT d.class, count(*) AS n, sum(d.area_mu) AS mu FROM d GROUP BY d.class) x ON x.class = c.class),
    'items', (SELECT coalesce(jsonb_agg(governance.disclosure_item_json(d.seq, d.class, d.ref, d.detail, d.county_code, d.county_name,
                d.cluster_code, d.cluster_name, d.area_m2, d.area_mu, d.since, d.responsible_unit, d.geom)
                || jsonb_build_object('shape_md5', md5(ST_AsBinary(d.geom))) ORDER BY d.seq), '[]'::jsonb) FROM d))
$$;
COMMENT ON FUNCTION governance.disclosure_result(date) IS
  'a disclosure snapshot''s result at a date: the publication settings per county, counts and area per class, and the items (with an md5 of each shape for comparison)';

RESET check_function_bodies;
