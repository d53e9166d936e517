/* 未供即用 used before supply (DOMAIN.md; seed §二(三)8) and plan conformity (seed §二(二)5,
   §二(一)1, the cluster spatial plan). */

-- Parcel rows: construction on a parcel that has no supply contract in force at the date, found
-- by a recorded development event or by a remote-sensing construction change over it.
CREATE OR REPLACE FUNCTION analysis.used_before_supply(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH s AS MATERIALIZED (
    SELECT st.* FROM analysis.parcel_state_of($1, $2) st WHERE st.contract_id IS NULL
  ),
  rs_hits AS (
    SELECT s.parcel_id,
      jsonb_agg(jsonb_build_object('table', 'rs_change', 'id', r.id, 'code', r.code, 'period', r.period,
                                   'change_type', r.change_type, 'image_before', r.image_before, 'image_after', r.image_after,
                                   'overlap_m2', x.overlap_m2) ORDER BY r.image_after, r.id) AS src,
      sum(x.overlap_m2) AS overlap_m2,
      min(r.image_after) AS first_seen
    FROM s JOIN parcel p ON p.id = s.parcel_id
    JOIN rs_change r ON r.geom && p.geom AND ST_Intersects(r.geom, p.geom)
      AND r.image_after <= $1 AND r.change_type = ANY(analysis.rule_list(s.rules, 'construction_change_types'))
    -- OFFSET 0 keeps the subquery apart, so that the area is computed once, not once per use.
    CROSS JOIN LATERAL (SELECT analysis.m2(ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(r.geom, p.geom), 3))) AS overlap_m2 OFFSET 0) x
    WHERE x.overlap_m2 > analysis.rule_num(s.rules, 'area_tolerance')
    GROUP BY s.parcel_id
  )
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'used_before_supply', 'used_before_supply.development_event',
    NULL::smallint, NULL::smallint, false, s.area_m2,
    jsonb_build_object(
      'classification', 'used_before_supply', 'rule', 'used_before_supply.development_event',
      'label', '未供即用：无供地合同而已开工建设（开发记录）/ construction recorded on land with no supply contract',
      'basis', '洛政办〔2021〕16号 §二(三)8',
      'as_of', $1,
      'measured', jsonb_build_object('first_construction_on', s.build_on, 'kind', s.build_kind, 'contract_in_force', false),
      'test', 'construction event on or before as_of and no supply contract in force at as_of',
      'thresholds', '[]'::jsonb,
      'sources', jsonb_build_array(jsonb_build_object('table', 'development_event', 'id', s.build_event_id,
                                                      'kind', s.build_kind, 'occurred_on', s.build_on)))
  FROM s WHERE s.build_event_id IS NOT NULL
  UNION ALL
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'used_before_supply', 'used_before_supply.rs_change',
    NULL::smallint, NULL::smallint, false, s.area_m2,
    jsonb_build_object(
      'classification', 'used_before_supply', 'rule', 'used_before_supply.rs_change',
      'label', '未供即用：遥感监测发现新增建设，宗地无供地合同 / remote sensing shows construction on a parcel with no supply contract',
      'basis', '洛政办〔2021〕16号 §二(三)8, §四(二)',
      'as_of', $1,
      'measured', jsonb_build_object('overlap_m2', h.overlap_m2, 'first_seen', h.first_seen, 'contract_in_force', false),
      'test', format('overlap_m2 %s > area_tolerance %s', h.overlap_m2, analysis.rule_num(s.rules, 'area_tolerance')),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'area_tolerance'), analysis.rule_cite(s.rules, 'construction_change_types')),
      'sources', h.src)
  FROM s JOIN rs_hits h ON h.parcel_id = s.parcel_id
$$;
COMMENT ON FUNCTION analysis.used_before_supply(date, bigint[]) IS
  '未供即用 parcels at a date: construction (development event, or a remote-sensing construction change overlapping more than area_tolerance) on a parcel with no supply contract in force';

-- Change rows: the part of each construction change that no contract in force covers, whether
-- or not a parcel was ever drawn there (illegal use is often on land with no parcel at all).
CREATE OR REPLACE FUNCTION analysis.used_before_supply_changes(as_of date, change_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (change_id bigint, county_code char(6), cluster_code text, area_m2 numeric, geom geometry, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH r AS (
    SELECT rc.*, rs.rules
    FROM rs_change rc JOIN analysis.rules_at($1) rs ON rs.county_code IS NOT DISTINCT FROM rc.county_code
    WHERE rc.image_after <= $1 AND ($2 IS NULL OR rc.id = ANY($2))
      AND rc.change_type = ANY(analysis.rule_list(rs.rules, 'construction_change_types'))
  ),
  d AS (
    SELECT r.*, cov.g AS covered, cov.ids AS covered_by,
      ST_Multi(ST_CollectionExtract(CASE WHEN cov.g IS NULL THEN r.geom ELSE ST_Difference(r.geom, cov.g) END, 3)) AS bare
    FROM r LEFT JOIN LATERAL (
      SELECT ST_Union(p.geom) AS g, array_agg(p.id ORDER BY p.id) AS ids
      FROM parcel p
      WHERE p.geom && r.geom AND ST_Intersects(p.geom, r.geom)
        AND (p.retired_at IS NULL OR analysis.local_date(p.retired_at) > $1)
        AND EXISTS (SELECT 1 FROM supply_contract c WHERE c.parcel_id = p.id AND c.signed_on <= $1
                    AND (c.terminated_on IS NULL OR c.terminated_on > $1))
    ) cov ON true
  )
  SELECT d.id, d.county_code,
    (SELECT cl.code FROM cluster cl WHERE cl.boundary && d.bare AND ST_Intersects(cl.boundary, d.bare)
     ORDER BY ST_Area(ST_Intersection(cl.boundary, d.bare)) DESC, cl.code LIMIT 1),
    a.m2, d.bare,
    jsonb_build_object(
      'classification', 'used_before_supply', 'rule', 'used_before_supply.rs_change_area',
      'label', '未供即用（疑似）：遥感新增建设位于未供地范围 / remote-sensing construction on land no supply contract covers',
      'basis', '洛政办〔2021〕16号 §二(三)8, §四(二)',
      'as_of', $1,
      'measured', jsonb_build_object('change_m2', analysis.m2(d.area_m2), 'unsupplied_m2', a.m2),
      'test', format('unsupplied_m2 %s > area_tolerance %s', a.m2, analysis.rule_num(d.rules, 'area_tolerance')),
      'thresholds', jsonb_build_array(analysis.rule_cite(d.rules, 'area_tolerance'), analysis.rule_cite(d.rules, 'construction_change_types')),
      'sources', jsonb_build_array(jsonb_build_object('table', 'rs_change', 'id', d.id, 'code', d.code, 'period', d.period,
                                   'change_type', d.change_type, 'image_before', d.image_before, 'image_after', d.image_after)),
      'supplied_parcels_nearby', to_jsonb(d.covered_by),
      'unsupplied_parcels', (SELECT jsonb_agg(jsonb_build_object('id', p.id, 'code', p.code) ORDER BY p.id) FROM parcel p
                             WHERE p.geom && d.bare AND ST_Intersects(p.geom, d.bare) AND NOT (p.id = ANY(coalesce(d.covered_by, '{}')))),
      'batches', (SELECT jsonb_agg(jsonb_build_object('id', b.id, 'approval_no', b.approval_no) ORDER BY b.id) FROM approval_batch b
                  WHERE b.geom && d.bare AND ST_Intersects(b.geom, d.bare)))
  FROM d CROSS JOIN LATERAL (SELECT analysis.m2(ellipsoidal_area_m2(d.bare)) AS m2 OFFSET 0) a
  WHERE NOT ST_IsEmpty(d.bare) AND a.m2 > analysis.rule_num(d.rules, 'area_tolerance')
$$;
COMMENT ON FUNCTION analysis.used_before_supply_changes(date, bigint[]) IS
  '未供即用 (suspected) change polygons at a date: the part of each remote-sensing construction change not covered by a parcel with a contract in force, when larger than area_tolerance; with the parcels and batches it lies on';

CREATE OR REPLACE FUNCTION analysis.conformity(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH s AS MATERIALIZED (
    SELECT st.*, p.geom FROM analysis.parcel_state_of($1, $2) st JOIN parcel p ON p.id = st.parcel_id
  ),
  outside AS (
    SELECT s.parcel_id, c.code, x.outside_m2
    FROM s JOIN cluster c ON c.code = s.cluster_code
    CROSS JOIN LATERAL (SELECT analysis.m2(ellipsoidal_area_m2(ST_CollectionExtract(ST_Difference(s.geom, c.boundary), 3))) AS outside_m2 OFFSET 0) x
    WHERE NOT ST_CoveredBy(s.geom, c.boundary)
      AND x.outside_m2 > analysis.rule_num(s.rules, 'area_tolerance')
  ),
  zones AS (
    SELECT s.parcel_id, sum(x.overlap_m2) AS overlap_m2,
      jsonb_agg(jsonb_build_object('table', 'plan_zone', 'id', z.id, 'zone_type', z.zone_type, 'name', z.name,
                                   'cluster_code', z.cluster_code, 'overlap_m2', x.overlap_m2) ORDER BY z.id) AS src
    FROM s JOIN plan_zone z ON z.geom && s.geom AND ST_Intersects(z.geom, s.geom)
      AND z.zone_type <> ALL(analysis.rule_list(s.rules, 'industrial_zone_types'))
    CROSS JOIN LATERAL (SELECT analysis.m2(ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(z.geom, s.geom), 3))) AS overlap_m2 OFFSET 0) x
    WHERE x.overlap_m2 > analysis.rule_num(s.rules, 'area_tolerance')
    GROUP BY s.parcel_id
  )
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'conformity', 'conformity.outside_cluster', NULL::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'conformity', 'rule', 'conformity.outside_cluster',
      'label', '规划符合性：宗地超出所属产业集聚区边界 / parcel outside its cluster boundary',
      'basis', '产业集聚区国土空间规划 (洛政办〔2021〕16号 §二(二)2)',
      'as_of', $1,
      'measured', jsonb_build_object('outside_m2', o.outside_m2, 'parcel_m2', s.area_m2),
      'test', format('outside_m2 %s > area_tolerance %s', o.outside_m2, analysis.rule_num(s.rules, 'area_tolerance')),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'area_tolerance')),
      'sources', jsonb_build_array(jsonb_build_object('table', 'cluster', 'code', o.code, 'field', 'boundary'),
                                   jsonb_build_object('table', 'parcel', 'id', s.parcel_id, 'code', s.parcel_code, 'field', 'geom')))
  FROM s JOIN outside o ON o.parcel_id = s.parcel_id
  UNION ALL
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'conformity', 'conformity.non_industrial_zone', NULL::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'conformity', 'rule', 'conformity.non_industrial_zone',
      'label', '规划符合性：宗地位于非工业规划分区 / parcel on a plan zone that is not industrial',
      'basis', '产业集聚区国土空间规划 (洛政办〔2021〕16号 §二(二)2)',
      'as_of', $1,
      'measured', jsonb_build_object('overlap_m2', z.overlap_m2, 'parcel_m2', s.area_m2),
      'test', format('overlap with non-industrial zones %s m² > area_tolerance %s', z.overlap_m2, analysis.rule_num(s.rules, 'area_tolerance')),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'area_tolerance'), analysis.rule_cite(s.rules, 'industrial_zone_types')),
      'sources', z.src)
  FROM s JOIN zones z ON z.parcel_id = s.parcel_id
  UNION ALL
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'conformity', 'conformity.industry_not_leading', NULL::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'conformity', 'rule', 'conformity.industry_not_leading',
      'label', '规划符合性：企业所属产业不在集聚区主导产业之列 / enterprise industry not among the cluster''s leading industries',
      'basis', '洛政办〔2021〕16号 §二(一)1, §二(一)4',
      'as_of', $1,
      'measured', jsonb_build_object('industry', e.industry),
      'test', format('industry "%s" matches none of %s', e.industry, array_to_string(c.leading_industries, '、')),
      'thresholds', jsonb_build_array(jsonb_build_object('table', 'cluster', 'code', c.code, 'field', 'leading_industries',
                                                         'value', to_jsonb(c.leading_industries))),
      'sources', jsonb_build_array(
        jsonb_build_object('table', 'supply_contract', 'id', s.contract_id, 'contract_no', s.contract_no),
        jsonb_build_object('table', 'enterprise', 'credit_code', e.credit_code, 'name', e.name, 'field', 'industry')))
  FROM s JOIN enterprise e ON e.credit_code = s.land_user_code
  JOIN cluster c ON c.code = s.cluster_code
  WHERE e.industry IS NOT NULL AND btrim(e.industry) <> '' AND cardinality(c.leading_industries) > 0
    -- A leading industry names a family: "装备制造" covers "高端装备制造", but a cluster leading
    -- in "高端装备制造" does not thereby lead in all of "装备制造".
    AND NOT EXISTS (SELECT 1 FROM unnest(c.leading_industries) li WHERE position(li IN e.industry) > 0)
  UNION ALL
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'conformity', 'conformity.large_single_supply', NULL::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'conformity', 'rule', 'conformity.large_single_supply',
      'label', '规划符合性：新建工业项目占地100亩以上一次性供地，未分期供地 / new industrial project of 100 mu or more supplied in one piece',
      'basis', '洛政办〔2021〕16号 §二(二)5',
      'as_of', $1,
      'measured', jsonb_build_object('area_mu', round(analysis.mu(s.area_m2), 4), 'signed_on', s.signed_on,
                                     'land_use', coalesce(s.contract_land_use, s.land_use)),
      'test', format('area_mu %s >= large_project_mu %s and signed_on %s >= phased_supply_from %s',
                     round(analysis.mu(s.area_m2), 4), analysis.rule_num(s.rules, 'large_project_mu'),
                     s.signed_on, analysis.rule_date(s.rules, 'phased_supply_from')),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'large_project_mu'), analysis.rule_cite(s.rules, 'phased_supply_from'),
                                      analysis.rule_cite(s.rules, 'industrial_land_use_like')),
      'sources', jsonb_build_array(jsonb_build_object('table', 'supply_contract', 'id', s.contract_id, 'contract_no', s.contract_no,
                                                      'signed_on', s.signed_on)))
  FROM s
  WHERE s.contract_id IS NOT NULL
    AND s.signed_on >= analysis.rule_date(s.rules, 'phased_supply_from')
    AND coalesce(s.contract_land_use, s.land_use) ILIKE ANY(analysis.rule_list(s.rules, 'industrial_land_use_like'))
    AND analysis.mu(s.area_m2) >= analysis.rule_num(s.rules, 'large_project_mu')
$$;
COMMENT ON FUNCTION analysis.conformity(date, bigint[]) IS
  'plan-conformity findings at a date: outside the cluster boundary, on a non-industrial plan zone (each beyond area_tolerance m²), enterprise industry not among the cluster''s leading industries, a new industrial project of large_project_mu or more supplied in one contract';
