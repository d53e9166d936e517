/* 亩均税收 and 亩均产值 per parcel and year (annex 3 art. 14):
     tax per mu    = the year's total tax, refunds and policy reductions added back / actual land area;
     output per mu = output verified by the statistics bureau / actual land area;
   where a landholder leases land or standard factories out, the tenants' figures are merged into
   that land. Everything here is per parcel; enterprises, clusters, counties and the city are sums
   of parcels (permu-2-aggregate.sql), so that every level adds up exactly. */

-- A county rule with its provenance, in the {key, value, rule_id, effective_from, county_code}
-- shape of analysis.rule_cite, for values that must say which version rated them.
CREATE OR REPLACE FUNCTION analysis.rule_source(county_code text, key text, as_of date) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('key', r.key, 'value', r.value, 'rule_id', r.id, 'effective_from', r.effective_from,
                            'county_code', r.county_code)
  FROM county_rule r
  WHERE r.key = $2 AND r.effective_from <= $3 AND (r.county_code = $1 OR r.county_code IS NULL)
  ORDER BY (r.county_code IS NULL), r.effective_from DESC
  LIMIT 1
$$;
COMMENT ON FUNCTION analysis.rule_source(text, text, date) IS
  'the county rule in force at a date with its provenance: {key, value, rule_id, effective_from, county_code} (county_code null = city-wide row); NULL when none';

/* Who holds or uses which parcel in a year, and the share of their yearly figures that goes to it.
   The land is taken as it stood at the end of the year:
   - land user: the supply contract in force on 31 December (signed by then, not terminated by then;
     the latest signed wins, as analysis.contract_at), on a parcel not retired by then; an
     enterprise's figures are spread over all the parcels it holds, by area;
   - tenant: a lease in force at any time of the year; its figures are spread over the parcels it
     rents, by area — unless it holds land of its own that year, where they are counted instead
     (annex 3 art. 14 merges a tenant into the landholder's land; no enterprise counts twice). */
CREATE OR REPLACE FUNCTION analysis.permu_holdings(year_from integer, year_to integer)
  RETURNS TABLE (year integer, parcel_id bigint, credit_code char(18), relation text, source_id bigint, share numeric)
  LANGUAGE sql STABLE AS $$
  WITH years AS (
    SELECT y AS year, make_date(y, 1, 1) AS ystart, make_date(y, 12, 31) AS yend FROM generate_series($1, $2) y
  ),
  live AS (
    SELECT y.year, y.ystart, y.yend, p.id, p.area_mu::numeric AS mu
    FROM years y JOIN parcel p ON p.retired_at IS NULL OR analysis.local_date(p.retired_at) > y.yend
  ),
  in_force AS (
    SELECT DISTINCT ON (l.year, l.id) l.year, l.id AS parcel_id, c.land_user_code AS credit_code, c.id AS contract_id, l.mu
    FROM live l JOIN supply_contract c ON c.parcel_id = l.id
    WHERE c.signed_on <= l.yend AND (c.terminated_on IS NULL OR c.terminated_on > l.yend)
    ORDER BY l.year, l.id, c.signed_on DESC, c.id DESC
  ),
  users AS (
    SELECT f.*, sum(f.mu) OVER (PARTITION BY f.year, f.credit_code) AS held
    FROM in_force f WHERE f.credit_code IS NOT NULL
  ),
  tenants AS (
    SELECT DISTINCT ON (l.year, l.id, s.tenant_code) l.year, l.id AS parcel_id, s.tenant_code AS credit_code, s.id AS lease_id, l.mu
    FROM live l JOIN lease s ON s.parcel_id = l.id
    WHERE s.starts_on <= l.yend AND (s.ends_on IS NULL OR s.ends_on >= l.ystart)
      AND NOT EXISTS (SELECT 1 FROM users u WHERE u.year = l.year AND u.credit_code = s.tenant_code)
    ORDER BY l.year, l.id, s.tenant_code, s.starts_on DESC, s.id DESC
  )
  SELECT u.year, u.parcel_id, u.credit_code, 'land_user', u.contract_id, u.mu / u.held FROM users u
  UNION ALL
  SELECT t.year, t.parcel_id, t.credit_code, 'tenant', t.lease_id, t.mu / sum(t.mu) OVER (PARTITION BY t.year, t.credit_code)
  FROM tenants t
$$;
COMMENT ON FUNCTION analysis.permu_holdings(integer, integer) IS
  'per year and parcel, the land user (contract in force at 31 December) and the tenants (lease in force during the year, unless they hold land of their own), each with the share of their yearly figures that goes to the parcel (by area)';

/* Per parcel and year with figures: the figures of its land user and tenants, each by its share,
   and the per-mu values against the target. A parcel counts in a year when at least one of its
   enterprises reported figures for it; those that did not are listed (missing). Output, value
   added and energy are NULL for a parcel when one of its reporting enterprises left them blank. */
CREATE OR REPLACE FUNCTION analysis.permu_parcels(year_from integer, year_to integer)
  RETURNS TABLE (
    year integer, parcel_id bigint, parcel_code text, county_code char(6), cluster_code text, area_mu numeric,
    target numeric, target_source text, land_user_code char(18),
    enterprises integer, tax_paid_wan numeric, tax_refund_wan numeric, tax_wan numeric,
    output_wan numeric, value_added_wan numeric, energy_tce numeric, employment numeric, profit_wan numeric,
    tax_per_mu numeric, output_per_mu numeric, contributors jsonb, missing text[])
  LANGUAGE sql STABLE AS $$
  SELECT h.year, p.id, p.code, p.county_code, p.cluster_code, p.area_mu::numeric,
    coalesce(cl.target_tax_per_mu, (analysis.rule(p.county_code, 'city_target_tax_per_mu', make_date(h.year, 12, 31)) #>> '{}')::numeric),
    CASE WHEN cl.code IS NOT NULL THEN 'cluster' ELSE 'city' END,
    (array_agg(h.credit_code) FILTER (WHERE h.relation = 'land_user'))[1],
    count(ey.credit_code)::integer,
    sum(ey.tax_paid_wan * h.share),
    sum(ey.tax_refund_wan * h.share),
    sum((ey.tax_paid_wan + ey.tax_refund_wan) * h.share),
    CASE WHEN bool_and(ey.output_wan IS NOT NULL) FILTER (WHERE ey.credit_code IS NOT NULL) THEN sum(ey.output_wan * h.share) END,
    CASE WHEN bool_and(ey.value_added_wan IS NOT NULL) FILTER (WHERE ey.credit_code IS NOT NULL) THEN sum(ey.value_added_wan * h.share) END,
    CASE WHEN bool_and(ey.energy_tce IS NOT NULL) FILTER (WHERE ey.credit_code IS NOT NULL) THEN sum(ey.energy_tce * h.share) END,
    CASE WHEN bool_and(ey.employment IS NOT NULL) FILTER (WHERE ey.credit_code IS NOT NULL) THEN sum(ey.employment * h.share) END,
    CASE WHEN bool_and(ey.profit_wan IS NOT NULL) FILTER (WHERE ey.credit_code IS NOT NULL) THEN sum(ey.profit_wan * h.share) END,
    sum((ey.tax_paid_wan + ey.tax_refund_wan) * h.share) / p.area_mu::numeric,
    CASE WHEN bool_and(ey.output_wan IS NOT NULL) FILTER (WHERE ey.credit_code IS NOT NULL)
         THEN sum(ey.output_wan * h.share) / p.area_mu::numeric END,
    jsonb_agg(jsonb_build_object(
        'credit_code', h.credit_code, 'relation', h.relation, 'share', h.share,
        'tax_paid_wan', ey.tax_paid_wan * h.share, 'tax_refund_wan', ey.tax_refund_wan * h.share,
        'tax_wan', (ey.tax_paid_wan + ey.tax_refund_wan) * h.share, 'output_wan', ey.output_wan * h.share)
      ORDER BY h.relation, h.credit_code) FILTER (WHERE ey.credit_code IS NOT NULL),
    coalesce(array_agg(h.credit_code::text ORDER BY h.credit_code) FILTER (WHERE ey.credit_code IS NULL), '{}')
  FROM analysis.permu_holdings($1, $2) h
  JOIN parcel p ON p.id = h.parcel_id
  LEFT JOIN cluster cl ON cl.code = p.cluster_code
  LEFT JOIN enterprise_year ey ON ey.credit_code = h.credit_code AND ey.year = h.year
  GROUP BY h.year, p.id, cl.code
  HAVING count(ey.credit_code) > 0
$$;
COMMENT ON FUNCTION analysis.permu_parcels(integer, integer) IS
  'per parcel and year with figures (annex 3 art. 14): land user''s and tenants'' figures by share, tax with refunds added back, tax and output per mu (万元/亩), the target (the cluster''s, else the city''s), contributors and enterprises without figures';
