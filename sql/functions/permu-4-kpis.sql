/* The cluster KPIs of §一(二)4 ("两率"): energy per unit of industrial value added falling by at least
   5% a year, and at least 62% of above-scale enterprises with intelligent retrofits (by 2022). */

/* Per cluster (and the city, code 'city') and year:
   - energy intensity = Σ energy (tce) / Σ value added (万元) of the parcels with both figures
     (enterprises' figures spread over their land as for per-mu tax), its fall on the previous year
     (1 − this / previous) against energy_intensity_decline_target;
   - retrofit share = above-scale enterprises using land in the cluster that year (land users and
     tenants) with enterprise.intelligent_retrofit, over all of them, against intelligent_retrofit_target.
     The retrofit flag is the enterprise's present one: the share of a past year uses today's flags. */
CREATE OR REPLACE FUNCTION analysis.cluster_kpis(year_from integer, year_to integer)
  RETURNS TABLE (
    level text, code text, name text, county_code char(6), year integer,
    energy_tce numeric, value_added_wan numeric, energy_intensity numeric, previous_intensity numeric,
    intensity_decline numeric, decline_target numeric, decline_met boolean,
    above_scale integer, retrofitted integer, retrofit_share numeric, retrofit_target numeric, retrofit_met boolean)
  LANGUAGE sql STABLE AS $$
  WITH pr AS MATERIALIZED (
    SELECT * FROM analysis.permu_parcels($1 - 1, $2)
    WHERE energy_tce IS NOT NULL AND value_added_wan IS NOT NULL
  ),
  units AS (
    SELECT 'cluster' AS level, cl.code, cl.name, cl.county_code FROM cluster cl
    UNION ALL SELECT 'city', 'city', '洛阳市', NULL
  ),
  grid AS (SELECT u.*, y AS year FROM units u CROSS JOIN generate_series($1 - 1, $2) y),
  energy AS (
    SELECT g.level, g.code, g.year, sum(pr.energy_tce) AS energy_tce, sum(pr.value_added_wan) AS value_added_wan
    FROM grid g JOIN pr ON pr.year = g.year AND (g.level = 'city' OR pr.cluster_code = g.code)
    GROUP BY g.level, g.code, g.year
  ),
  users AS (
    SELECT DISTINCT h.year, p.cluster_code, h.credit_code
    FROM analysis.permu_holdings($1, $2) h JOIN parcel p ON p.id = h.parcel_id
  ),
  retrofit AS (
    SELECT g.level, g.code, g.year,
      count(DISTINCT u.credit_code)::integer AS above_scale,
      count(DISTINCT u.credit_code) FILTER (WHERE e.intelligent_retrofit)::integer AS retrofitted
    FROM grid g
    JOIN users u ON u.year = g.year AND (g.level = 'city' OR u.cluster_code = g.code)
    JOIN enterprise e ON e.credit_code = u.credit_code AND e.above_scale
    GROUP BY g.level, g.code, g.year
  ),
  rows AS (
    SELECT g.*, en.energy_tce, en.value_added_wan, en.energy_tce / nullif(en.value_added_wan, 0) AS intensity,
      r.above_scale, r.retrofitted,
      (analysis.rule(g.county_code, 'energy_intensity_decline_target', make_date(g.year, 12, 31)) #>> '{}')::numeric AS decline_target,
      (analysis.rule(g.county_code, 'intelligent_retrofit_target', make_date(g.year, 12, 31)) #>> '{}')::numeric AS retrofit_target
    FROM grid g
    LEFT JOIN energy en ON en.level = g.level AND en.code = g.code AND en.year = g.year
    LEFT JOIN retrofit r ON r.level = g.level AND r.code = g.code AND r.year = g.year
  ),
  trended AS (
    SELECT r.*, lag(r.intensity) OVER (PARTITION BY r.level, r.code ORDER BY r.year) AS previous
    FROM rows r
  )
  SELECT t.level, t.code, t.name, t.county_code, t.year, t.energy_tce, t.value_added_wan, t.intensity, t.previous,
    1 - t.intensity / nullif(t.previous, 0), t.decline_target,
    (1 - t.intensity / nullif(t.previous, 0)) >= t.decline_target,
    coalesce(t.above_scale, 0), coalesce(t.retrofitted, 0),
    t.retrofitted::numeric / nullif(t.above_scale, 0), t.retrofit_target,
    t.retrofitted::numeric / nullif(t.above_scale, 0) >= t.retrofit_target
  FROM trended t
  WHERE t.year >= $1
$$;
COMMENT ON FUNCTION analysis.cluster_kpis(integer, integer) IS
  '§一(二)4 per cluster and the city and per year: energy per 万元 of value added (tce), its fall on the previous year against the 5% target; above-scale enterprises using land there, the share with intelligent retrofits against the 62% target';
