/* One parcel's card (一宗一卡) as GeoJSON text with its version, or no row when it is missing or outside the caller's counties. */
WITH p AS (
  SELECT p.*
    FROM parcel p
   WHERE p.code = ${code}::text
     AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
),
contracts AS (
  SELECT c.*,
         -- the contract in force: not terminated, the latest signed
         row_number() OVER (ORDER BY c.terminated_on IS NULL DESC, c.signed_on DESC, c.id DESC) = 1
           AND c.terminated_on IS NULL AS current
    FROM supply_contract c JOIN p ON c.parcel_id = p.id
),
dev AS (
  SELECT d.* FROM development_event d JOIN p ON d.parcel_id = p.id
),
tenants AS (
  SELECT l.*, t.name AS tenant_name, h.name AS landholder_name
    FROM lease l JOIN p ON l.parcel_id = p.id
    JOIN enterprise t ON t.credit_code = l.tenant_code
    JOIN enterprise h ON h.credit_code = l.landholder_code
   WHERE l.starts_on <= luoyang_today() AND (l.ends_on IS NULL OR l.ends_on >= luoyang_today())
),
-- annex 3 art. 14: the tenants' tax and output are merged into the land, so the card lists both
firms AS (
  SELECT land_user_code AS credit_code, 'land_user' AS relation FROM contracts WHERE current AND land_user_code IS NOT NULL
  UNION
  SELECT tenant_code, 'tenant' FROM tenants
)
SELECT p.version,
  json_build_object(
    'type', 'Feature',
    'id', p.code,
    'geometry', ST_AsGeoJSON(p.geom, 7)::json,
    'properties', jsonb_build_object(
      'code', p.code,
      'county_code', p.county_code,
      'county_name', k.name,
      'cluster_code', p.cluster_code,
      'cluster_name', cl.name,
      'land_use', p.land_use,
      -- 权利人 as surveyed (may be a natural person: the card is for signed-in roles only)
      'owner_name', p.owner_name,
      'stage', p.stage,
      'area_m2', round(p.area_m2::numeric, 2),
      'area_mu', round(p.area_mu::numeric, 4),
      'stated_area_m2', p.stated_area_m2,
      'version', p.version,
      'created_at', p.created_at,
      'updated_at', p.updated_at,
      'retired_at', p.retired_at,
      'retired_reason', p.retired_reason,
      'plan_zones', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'id', z.id, 'zone_type', z.zone_type, 'name', z.name,
                 'overlap_m2', round(ellipsoidal_area_m2(ST_Intersection(z.geom, p.geom))::numeric, 2)
               ) ORDER BY z.id), '[]'::jsonb)
          FROM plan_zone z
         WHERE z.geom && p.geom AND ST_Intersects(z.geom, p.geom)
           AND NOT ST_Touches(z.geom, p.geom)),
      'approval_batches', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'approval_no', b.approval_no, 'name', b.name, 'approved_on', b.approved_on,
                 'overlap_m2', round(ellipsoidal_area_m2(ST_Intersection(b.geom, p.geom))::numeric, 2)
               ) ORDER BY b.approved_on, b.id), '[]'::jsonb)
          FROM approval_batch b
         WHERE b.geom && p.geom AND ST_Intersects(b.geom, p.geom)
           AND NOT ST_Touches(b.geom, p.geom))
    )
    || jsonb_build_object(
      'land_user', (
        SELECT jsonb_build_object('credit_code', e.credit_code, 'name', e.name, 'industry', e.industry,
                                  'county_code', e.county_code, 'above_scale', e.above_scale)
          FROM contracts c JOIN enterprise e ON e.credit_code = c.land_user_code
         WHERE c.current),
      'tenants', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'lease_id', t.id, 'tenant_code', t.tenant_code, 'tenant_name', t.tenant_name,
                 'landholder_code', t.landholder_code, 'landholder_name', t.landholder_name,
                 'starts_on', t.starts_on, 'ends_on', t.ends_on
               ) ORDER BY t.starts_on, t.id), '[]'::jsonb)
          FROM tenants t),
      'contracts', (
        SELECT coalesce(jsonb_agg(
                 redact_sensitive(x.j, ${sensitive}::boolean)
                 ORDER BY x.current DESC, x.signed_on DESC, x.id DESC), '[]'::jsonb)
          FROM (
            SELECT c.id, c.current, c.signed_on, jsonb_build_object(
                     'contract_no', c.contract_no, 'current', c.current, 'supply_method', c.supply_method,
                     'land_user_code', c.land_user_code, 'land_use', c.land_use, 'signed_on', c.signed_on,
                     'price_wan', c.price_wan, 'agreed_start_on', c.agreed_start_on,
                     'agreed_completion_on', c.agreed_completion_on, 'total_investment_wan', c.total_investment_wan,
                     'planned_floor_area_m2', c.planned_floor_area_m2, 'is_standard_land', c.is_standard_land,
                     'term_years', c.term_years, 'major_project', c.major_project,
                     'terminated_on', c.terminated_on, 'version', c.version,
                     'indicators', (
                       SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'indicator', i.indicator, 'unit', i.unit, 'direction', i.direction,
                                'value', i.value, 'is_core', i.is_core) ORDER BY i.is_core DESC, i.indicator), '[]'::jsonb)
                         FROM contract_indicator i WHERE i.contract_id = c.id)
                   ) AS j
              FROM contracts c) x),
      -- DOMAIN.md life cycle 3: the dates that matter, then every development event
      'development', (
        SELECT jsonb_build_object(
                 'started_on', min(d.occurred_on) FILTER (WHERE d.kind = 'start'),
                 'completed_on', max(d.occurred_on) FILTER (WHERE d.kind = 'completion'),
                 'completion_accepted_on', max(d.occurred_on) FILTER (WHERE d.kind = 'completion_acceptance'),
                 'production_accepted_on', max(d.occurred_on) FILTER (WHERE d.kind = 'production_acceptance'),
                 -- halted when the latest of start/halt/resume/completion is a halt (idle rule, 2012 art. 2)
                 'halted_since', (
                   SELECT CASE WHEN h.kind = 'halt' THEN h.occurred_on END
                     FROM dev h WHERE h.kind IN ('start','halt','resume','completion')
                    ORDER BY h.occurred_on DESC, h.id DESC LIMIT 1),
                 'developed_area_m2', (
                   SELECT v.developed_area_m2 FROM dev v WHERE v.developed_area_m2 IS NOT NULL
                    ORDER BY v.occurred_on DESC, v.id DESC LIMIT 1),
                 'invested_wan', (
                   SELECT v.invested_wan FROM dev v WHERE v.invested_wan IS NOT NULL
                    ORDER BY v.occurred_on DESC, v.id DESC LIMIT 1),
                 'last_inspection_on', max(d.occurred_on) FILTER (WHERE d.kind = 'inspection'),
                 'events', coalesce(jsonb_agg(
                   redact_sensitive(to_jsonb(d), ${sensitive}::boolean)
                     - 'parcel_id' - 'county_code'
                   ORDER BY d.occurred_on, d.id) FILTER (WHERE d.id IS NOT NULL), '[]'::jsonb))
          FROM dev d),
      'alerts', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'id', a.id, 'type', a.type, 'severity', a.severity, 'status', a.status,
                 'due_on', a.due_on, 'overlap_m2', a.overlap_m2, 'created_at', a.created_at
               ) ORDER BY a.created_at, a.id), '[]'::jsonb)
          FROM alert a
         WHERE a.parcel_id = p.id AND a.status NOT IN ('closed','false_positive')),
      -- 工作台账, annex 3 art. 6
      'ledger', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'id', l.id, 'measure', l.measure, 'cause', l.cause, 'deadline', l.deadline,
                 'responsible_unit', l.responsible_unit, 'progress', l.progress,
                 'completed_on', l.completed_on, 'version', l.version,
                 'overdue', l.completed_on IS NULL AND l.deadline < luoyang_today(),
                 'days_overdue', CASE WHEN l.completed_on IS NULL AND l.deadline < luoyang_today()
                                      THEN luoyang_today() - l.deadline END
               ) ORDER BY l.completed_on IS NOT NULL, l.deadline, l.id), '[]'::jsonb)
          FROM disposal_ledger l WHERE l.parcel_id = p.id),
      -- the analysis engine's findings today, each with the rule, the measured value, the threshold
      -- and the source record (DOMAIN.md: each with the reason it fired); enterprise figures in reasons only for sensitive roles
      'classifications', analysis.parcel_classifications(p.id, luoyang_today(), ${sensitive}::boolean)
    )
    || CASE WHEN ${sensitive}::boolean THEN jsonb_build_object(
      -- the latest yearly figures of the land user and its tenants (annex 3 art. 14)
      'figures', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'credit_code', y.credit_code, 'name', e.name, 'relation', f.relation, 'year', y.year,
                 'tax_paid_wan', y.tax_paid_wan, 'tax_refund_wan', y.tax_refund_wan, 'output_wan', y.output_wan,
                 'value_added_wan', y.value_added_wan, 'energy_tce', y.energy_tce, 'employment', y.employment,
                 'profit_wan', y.profit_wan, 'rating', y.rating, 'version', y.version
               ) ORDER BY f.relation, y.credit_code), '[]'::jsonb)
          FROM firms f
          JOIN enterprise e ON e.credit_code = f.credit_code
          JOIN LATERAL (
            SELECT * FROM enterprise_year z WHERE z.credit_code = f.credit_code ORDER BY z.year DESC LIMIT 1
          ) y ON true),
      -- every lease of the land, ended ones too, with its area and document: whose tax merges into
      -- this land in which year (annex 3 art. 14), for the roles that see those figures
      'leases', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'id', l.id, 'landholder_code', l.landholder_code, 'tenant_code', l.tenant_code, 'tenant_name', e.name,
                 'area_m2', l.area_m2, 'starts_on', l.starts_on, 'ends_on', l.ends_on, 'doc_no', l.doc_no
               ) ORDER BY l.starts_on, l.id), '[]'::jsonb)
          FROM lease l JOIN enterprise e ON e.credit_code = l.tenant_code
         WHERE l.parcel_id = p.id))
    ELSE '{}'::jsonb END
  )::text AS card
FROM p
JOIN county k ON k.code = p.county_code
LEFT JOIN cluster cl ON cl.code = p.cluster_code
