/* Per-mu figures of enterprises, clusters, counties and the city (annex 3 art. 14), as sums of the
   parcels of analysis.permu_parcels, compared with the targets of §一(二)3 and ranked (§四(三):
   half-yearly ranking, annual evaluation). */

/* Per level (cluster, county, city) and year: every cluster and county appears in every year of the
   range, with NULL figures where no parcel had figures. Clusters are compared with their own target,
   counties and the city with the city-wide target; ranks are city-wide (1 = highest). */
CREATE OR REPLACE FUNCTION analysis.permu_summary(year_from integer, year_to integer)
  RETURNS TABLE (
    level text, code text, name text, county_code char(6), year integer,
    parcels integer, enterprises integer, area_mu numeric, tax_wan numeric, tax_refund_wan numeric,
    output_wan numeric, output_area_mu numeric, tax_per_mu numeric, output_per_mu numeric,
    target numeric, gap numeric, attainment numeric, rank_per_mu integer, rank_attainment integer,
    previous_tax_per_mu numeric, change numeric)
  LANGUAGE sql STABLE AS $$
  WITH pr AS MATERIALIZED (SELECT * FROM analysis.permu_parcels($1, $2)),
  firms AS (
    SELECT pr.year, pr.cluster_code, pr.county_code, c->>'credit_code' AS credit_code
    FROM pr CROSS JOIN LATERAL jsonb_array_elements(pr.contributors) c
  ),
  units AS (
    SELECT 'cluster' AS level, cl.code, cl.name, cl.county_code, cl.target_tax_per_mu::numeric AS fixed_target FROM cluster cl
    UNION ALL
    SELECT 'county', k.code::text, k.name, k.code, NULL FROM county k
    UNION ALL
    SELECT 'city', 'city', '洛阳市', NULL, NULL
  ),
  grid AS (
    SELECT u.*, y AS year,
      coalesce(u.fixed_target, (analysis.rule(u.county_code, 'city_target_tax_per_mu', make_date(y, 12, 31)) #>> '{}')::numeric) AS target
    FROM units u CROSS JOIN generate_series($1, $2) y
  ),
  sums AS (
    SELECT g.level, g.code, g.year,
      count(pr.parcel_id)::integer AS parcels,
      sum(pr.area_mu) AS area_mu, sum(pr.tax_wan) AS tax_wan, sum(pr.tax_refund_wan) AS tax_refund_wan,
      sum(pr.output_wan) AS output_wan, sum(pr.area_mu) FILTER (WHERE pr.output_wan IS NOT NULL) AS output_area_mu
    FROM grid g
    JOIN pr ON pr.year = g.year AND CASE g.level WHEN 'cluster' THEN pr.cluster_code = g.code
                                                 WHEN 'county' THEN pr.county_code = g.code
                                                 ELSE true END
    GROUP BY g.level, g.code, g.year
  ),
  counts AS (
    SELECT g.level, g.code, g.year, count(DISTINCT f.credit_code)::integer AS enterprises
    FROM grid g
    JOIN firms f ON f.year = g.year AND CASE g.level WHEN 'cluster' THEN f.cluster_code = g.code
                                                     WHEN 'county' THEN f.county_code = g.code
                                                     ELSE true END
    GROUP BY g.level, g.code, g.year
  ),
  rows AS (
    SELECT g.level, g.code, g.name, g.county_code, g.year,
      coalesce(s.parcels, 0) AS parcels, coalesce(n.enterprises, 0) AS enterprises,
      s.area_mu, s.tax_wan, s.tax_refund_wan, s.output_wan, s.output_area_mu,
      s.tax_wan / nullif(s.area_mu, 0) AS tax_per_mu,
      s.output_wan / nullif(s.output_area_mu, 0) AS output_per_mu,
      g.target
    FROM grid g
    LEFT JOIN sums s ON s.level = g.level AND s.code = g.code AND s.year = g.year
    LEFT JOIN counts n ON n.level = g.level AND n.code = g.code AND n.year = g.year
  )
  SELECT r.level, r.code, r.name, r.county_code, r.year, r.parcels, r.enterprises, r.area_mu, r.tax_wan, r.tax_refund_wan,
    r.output_wan, r.output_area_mu, r.tax_per_mu, r.output_per_mu, r.target,
    r.tax_per_mu - r.target, r.tax_per_mu / r.target,
    CASE WHEN r.tax_per_mu IS NOT NULL THEN rank() OVER (PARTITION BY r.level, r.year ORDER BY r.tax_per_mu DESC NULLS LAST)::integer END,
    CASE WHEN r.tax_per_mu IS NOT NULL THEN rank() OVER (PARTITION BY r.level, r.year ORDER BY r.tax_per_mu / r.target DESC NULLS LAST)::integer END,
    lag(r.tax_per_mu) OVER (PARTITION BY r.level, r.code ORDER BY r.year),
    r.tax_per_mu - lag(r.tax_per_mu) OVER (PARTITION BY r.level, r.code ORDER BY r.year)
  FROM rows r
$$;
COMMENT ON FUNCTION analysis.permu_summary(integer, integer) IS
  'per cluster, county and the city and per year: parcels and enterprises with figures, area, tax (refunds added back), output, tax and output per mu, target (cluster''s; city-wide 18 for counties and the city), gap, attainment, city-wide ranks, change on the previous year';

/* Per land user and year: its parcels with the tenants merged in, against the area-weighted target
   of its land; ranked within its main cluster (where most of its land lies) and the city. Tenants
   without land of their own have no per-mu figure of their own: they are in their landholder's. */
CREATE OR REPLACE FUNCTION analysis.permu_enterprises(year_from integer, year_to integer)
  RETURNS TABLE (
    year integer, credit_code char(18), name text, county_code char(6), cluster_code text,
    parcels text[], parcel_ids bigint[], counties text[], area_mu numeric, tax_wan numeric, own_tax_wan numeric, tenant_tax_wan numeric,
    tax_refund_wan numeric, output_wan numeric, value_added_wan numeric, energy_tce numeric, employment numeric, profit_wan numeric,
    tax_per_mu numeric, output_per_mu numeric, target numeric, gap numeric, attainment numeric,
    rank_in_cluster integer, rank_in_city integer, enterprises_in_cluster integer)
  LANGUAGE sql STABLE AS $$
  WITH pr AS MATERIALIZED (SELECT * FROM analysis.permu_parcels($1, $2) WHERE land_user_code IS NOT NULL),
  main AS (
    SELECT DISTINCT ON (pr.year, pr.land_user_code) pr.year, pr.land_user_code, pr.cluster_code, pr.county_code
    FROM pr ORDER BY pr.year, pr.land_user_code, pr.area_mu DESC, pr.parcel_code
  ),
  e AS (
    SELECT pr.year, pr.land_user_code AS credit_code,
      array_agg(pr.parcel_code ORDER BY pr.parcel_code) AS parcels,
      array_agg(pr.parcel_id ORDER BY pr.parcel_code) AS parcel_ids,
      array_agg(DISTINCT pr.county_code::text) AS counties,
      sum(pr.area_mu) AS area_mu, sum(pr.tax_wan) AS tax_wan,
      sum((SELECT sum((c->>'tax_wan')::numeric) FROM jsonb_array_elements(pr.contributors) c WHERE c->>'relation' = 'land_user')) AS own_tax_wan,
      sum(pr.tax_refund_wan) AS tax_refund_wan,
      CASE WHEN bool_and(pr.output_wan IS NOT NULL) THEN sum(pr.output_wan) END AS output_wan,
      CASE WHEN bool_and(pr.value_added_wan IS NOT NULL) THEN sum(pr.value_added_wan) END AS value_added_wan,
      CASE WHEN bool_and(pr.energy_tce IS NOT NULL) THEN sum(pr.energy_tce) END AS energy_tce,
      CASE WHEN bool_and(pr.employment IS NOT NULL) THEN sum(pr.employment) END AS employment,
      CASE WHEN bool_and(pr.profit_wan IS NOT NULL) THEN sum(pr.profit_wan) END AS profit_wan,
      sum(pr.target * pr.area_mu) / sum(pr.area_mu) AS target
    FROM pr GROUP BY pr.year, pr.land_user_code
  ),
  r AS (
    SELECT e.*, m.cluster_code, m.county_code, x.name,
      e.tax_wan / e.area_mu AS tax_per_mu, e.output_wan / e.area_mu AS output_per_mu
    FROM e JOIN main m ON m.year = e.year AND m.land_user_code = e.credit_code
    JOIN enterprise x ON x.credit_code = e.credit_code
  )
  SELECT r.year, r.credit_code, r.name, r.county_code, r.cluster_code, r.parcels, r.parcel_ids, r.counties, r.area_mu, r.tax_wan,
    coalesce(r.own_tax_wan, 0), r.tax_wan - coalesce(r.own_tax_wan, 0), r.tax_refund_wan,
    r.output_wan, r.value_added_wan, r.energy_tce, r.employment, r.profit_wan,
    r.tax_per_mu, r.output_per_mu, r.target, r.tax_per_mu - r.target, r.tax_per_mu / r.target,
    rank() OVER (PARTITION BY r.year, r.cluster_code ORDER BY r.tax_per_mu DESC)::integer,
    rank() OVER (PARTITION BY r.year ORDER BY r.tax_per_mu DESC)::integer,
    count(*) OVER (PARTITION BY r.year, r.cluster_code)::integer
  FROM r
$$;
COMMENT ON FUNCTION analysis.permu_enterprises(integer, integer) IS
  'per land user and year (annex 3 art. 14): its parcels, area, tax with refunds added back (its own and its tenants''), output, tax and output per mu, area-weighted target, gap, attainment; rank within its main cluster (most of its land) and in the city';
