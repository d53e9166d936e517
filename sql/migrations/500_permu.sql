/* Per-mu efficiency (亩均效益, annex 3 art. 14), the enterprise rating (企业分类综合评价) and the
   cluster KPIs of §一(二)4: the settings they read, as city-wide county rules that a county
   overrides from a date on, and the ratings stored per year. The computations themselves are the
   STABLE functions of sql/functions/permu-*.sql.

   Assumptions (where the seed is silent; each one a setting or stated in the function that applies it):
   - "企业实际用地面积" is the ellipsoidal area of the parcels an enterprise holds by a supply contract in
     force at the end of the year (parcel.area_mu), not the typed stated area.
   - An enterprise's yearly figures are spread over its parcels by area; a tenant's over the parcels it
     rents by area. A tenant that holds land of its own in the year is counted on its own land only
     (never twice).
   - A cluster's (county's, the city's) per-mu figure is the sum of the tax over the sum of the area of
     the parcels with figures in that year ("all enterprises with figures").
   - Counties and the city are compared with the city-wide target (18 万元/亩, §一(二)3); clusters with
     their own target from the seed. */

-- The thresholds and weights, in force since 1900-01-01 (a county overrides with its own dated row).
INSERT INTO county_rule (county_code, key, value, effective_from, note) VALUES
  (NULL, 'city_target_tax_per_mu', '18', '1900-01-01',
   '亩均税收目标（全市）§一(二)3：工业用地亩均税收达到18万元 / city-wide target tax per mu, 万元/亩'),
  -- Score = Σ weight × min(value / benchmark, cap) × 100 / Σ weight; grade = the first grade whose
  -- min the score reaches, else D. benchmark "target" is the land's tax target (the cluster's, area-
  -- weighted over the enterprise's parcels); "times" multiplies it. lower_is_better inverts the ratio.
  -- The defaults reproduce the usual ratio bands of the demo's evaluation (A ≥ 1.2 × target,
  -- B ≥ 0.45, C ≥ 0.2) with output per mu taken at ten times the tax target.
  (NULL, 'enterprise_rating', '{
     "indicators": [
       {"key": "tax_per_mu", "weight": 0.7, "benchmark": "target"},
       {"key": "output_per_mu", "weight": 0.3, "benchmark": "target", "times": 10}
     ],
     "cap": 2,
     "grades": [{"grade": "A", "min": 120}, {"grade": "B", "min": 45}, {"grade": "C", "min": 20}]
   }', '1900-01-01',
   '企业分类综合评价 A/B/C/D：指标、权重、基准与分档（县区可按年度另定）/ enterprise rating: indicators, weights, benchmarks and grade thresholds'),
  (NULL, 'permu_disclosure_min_enterprises', '3', '1900-01-01',
   '汇总数据公开：企业数少于此数的集聚区、区县不向无权查看企业数据的角色显示税收产值 / aggregates of fewer enterprises are withheld from roles that may not see enterprise figures'),
  (NULL, 'energy_intensity_decline_target', '0.05', '1900-01-01',
   '§一(二)4：单位工业增加值能耗年均下降5%以上 / energy per unit of value added to fall by at least this share a year'),
  (NULL, 'intelligent_retrofit_target', '0.62', '1900-01-01',
   '§一(二)4：规模以上工业企业智能化改造普及率达到62%以上（2022年）/ share of above-scale enterprises with intelligent retrofits');

-- Ratings as computed and published for a year (the imported enterprise_year.rating stays as it was
-- imported). Enterprise figures: never public, never to roles outside sensitiveRoles.
CREATE TABLE enterprise_rating (
  credit_code         char(18) NOT NULL REFERENCES enterprise,
  year                integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  county_code         char(6) NOT NULL REFERENCES county,     -- whose rule rated it (the county of most of its land)
  cluster_code        text REFERENCES cluster,
  rating              char(1) NOT NULL CHECK (rating IN ('A','B','C','D')),
  score               numeric(10,4) NOT NULL,
  rule_id             bigint NOT NULL REFERENCES county_rule,
  rule_effective_from date NOT NULL,
  inputs              jsonb NOT NULL,                        -- values, benchmarks and points per indicator
  computed_at         timestamptz NOT NULL DEFAULT now(),
  computed_by         text NOT NULL,
  version             integer NOT NULL DEFAULT 1,
  PRIMARY KEY (credit_code, year)
);
CREATE INDEX enterprise_rating_year_idx ON enterprise_rating (year, rating);
CREATE TRIGGER enterprise_rating_log AFTER INSERT OR UPDATE OR DELETE ON enterprise_rating
  FOR EACH ROW EXECUTE FUNCTION log_row_change();
-- A stored rating is what inefficient type 5 reads (analysis.effective_rating): refresh the parcels
-- of the enterprise like a change of its figures does.
DO $$
DECLARE op text;
BEGIN
  FOREACH op IN ARRAY ARRAY['insert','update','delete'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER %s ON enterprise_rating REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION analysis.on_enterprise_change()',
      'enterprise_rating_analysis_' || op, upper(op),
      CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
              WHEN 'delete' THEN 'OLD TABLE AS old_rows'
              ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END);
  END LOOP;
END $$;

CREATE INDEX lease_dates_idx ON lease (parcel_id, starts_on);
CREATE INDEX supply_contract_signed_idx ON supply_contract (signed_on);

/* The rating inefficient type 5 should read: the stored computed rating of a year where there is one,
   else the rating imported with the yearly figures. Here rather than in sql/functions/permu-*.sql so
   that sql/functions/analysis-4-inefficient.sql (applied before those) can refer to it. */
CREATE OR REPLACE FUNCTION analysis.effective_rating()
  RETURNS TABLE (credit_code char(18), year integer, rating char(1), source text)
  LANGUAGE sql STABLE AS $$
  -- A UNION ALL rather than a FULL JOIN on coalesced keys: inlined into inefficient type 5, the
  -- caller's credit_code condition then reaches both branches and their primary keys (the FULL
  -- JOIN scanned every rating once per parcel: the demo summary went from seconds to minutes).
  SELECT r.credit_code, r.year, r.rating, 'computed'::text
  FROM enterprise_rating r
  WHERE r.rating IS NOT NULL
  UNION ALL
  SELECT y.credit_code, y.year, y.rating, 'imported'::text
  FROM enterprise_year y
  WHERE y.rating IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM enterprise_rating r
                     WHERE r.credit_code = y.credit_code AND r.year = y.year AND r.rating IS NOT NULL)
$$;
COMMENT ON FUNCTION analysis.effective_rating() IS
  'per enterprise and year, the rating in force: the computed one stored in enterprise_rating, else enterprise_year.rating as imported (source says which)';
