/* The standard-land pilot (annex 2 art. 5, §二(四)10–11): the share of new industrial land sold as
   standard land, per cluster, county and the city and per year, against ≥ 20% in 2021 and 100% once
   the end of 2022 has passed (county rule standard_land_share_targets). "Sold" is a grant (出让)
   contract signed in the year for an industrial use (the county rule industrial_land_use_like, on the
   contract's land use, else the parcel's); terminated later or not, it was sold that year. The pilot
   clusters of 2021 are not named in the seed: every cluster is measured against the target. */

-- The target share in force for a year: the entry with the latest from_year not after it; NULL before any.
CREATE OR REPLACE FUNCTION analysis.standard_land_share_target(county_code text, year integer) RETURNS numeric
  LANGUAGE sql STABLE AS $$
  SELECT (t->>'share')::numeric
  FROM jsonb_array_elements(analysis.rule($1, 'standard_land_share_targets', make_date($2, 12, 31))) t
  WHERE (t->>'from_year')::integer <= $2
  ORDER BY (t->>'from_year')::integer DESC
  LIMIT 1
$$;
COMMENT ON FUNCTION analysis.standard_land_share_target(text, integer) IS
  'the target share of new industrial land sold as standard land for a year in a county (NULL before the pilot)';

CREATE OR REPLACE FUNCTION analysis.standard_land_shares(year_from integer, year_to integer, as_of date)
  RETURNS TABLE (
    level text, code text, name text, county_code char(6), year integer,
    sold integer, sold_mu numeric, standard integer, standard_mu numeric,
    share_area numeric, share_count numeric, target numeric, met boolean, contracts text[])
  LANGUAGE sql STABLE AS $$
  WITH sold AS (
    SELECT extract(year FROM c.signed_on)::integer AS year, c.contract_no, c.is_standard_land, c.county_code,
           p.cluster_code, p.area_mu::numeric AS mu
    FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id
    WHERE c.supply_method = 'grant' AND c.signed_on <= $3
      AND c.signed_on BETWEEN make_date($1, 1, 1) AND make_date($2, 12, 31)
      AND coalesce(c.land_use, p.land_use) LIKE ANY (
        SELECT jsonb_array_elements_text(analysis.rule(c.county_code, 'industrial_land_use_like', c.signed_on)))
  ),
  units AS (
    SELECT 'cluster' AS level, cl.code, cl.name, cl.county_code FROM cluster cl
    UNION ALL SELECT 'county', k.code::text, k.name, k.code FROM county k
    UNION ALL SELECT 'city', 'city', '洛阳市', NULL
  ),
  grid AS (SELECT u.*, y AS year FROM units u CROSS JOIN generate_series($1, $2) y),
  sums AS (
    SELECT g.level, g.code, g.year,
      count(s.*)::integer AS sold, sum(s.mu) AS sold_mu,
      (count(s.*) FILTER (WHERE s.is_standard_land))::integer AS standard,
      coalesce(sum(s.mu) FILTER (WHERE s.is_standard_land), 0) AS standard_mu,
      array_agg(s.contract_no ORDER BY s.contract_no) FILTER (WHERE s.is_standard_land) AS contracts
    FROM grid g JOIN sold s ON s.year = g.year AND CASE g.level WHEN 'cluster' THEN s.cluster_code = g.code
                                                              WHEN 'county' THEN s.county_code = g.code ELSE true END
    GROUP BY g.level, g.code, g.year
  )
  SELECT g.level, g.code, g.name, g.county_code, g.year,
    coalesce(s.sold, 0), coalesce(s.sold_mu, 0), coalesce(s.standard, 0), coalesce(s.standard_mu, 0),
    s.standard_mu / nullif(s.sold_mu, 0), s.standard::numeric / nullif(s.sold, 0),
    analysis.standard_land_share_target(g.county_code, g.year),
    CASE WHEN coalesce(s.sold, 0) > 0 THEN s.standard_mu / s.sold_mu >= analysis.standard_land_share_target(g.county_code, g.year) END,
    coalesce(s.contracts, '{}')
  FROM grid g LEFT JOIN sums s ON s.level = g.level AND s.code = g.code AND s.year = g.year
$$;
COMMENT ON FUNCTION analysis.standard_land_shares(integer, integer, date) IS
  'per cluster, county and the city and per year: industrial land granted (contracts, mu), the part sold as standard land, its share by area and by count, the target share (annex 2 art. 5) and whether it is met; contracts signed by as_of';
