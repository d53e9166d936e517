/* Merges the enterprise ${from} into ${into}: yearly figures (summed where both have a year), stored ratings
   (the surviving record's kept where both have a year), contracts, leases and aliases move; ${from} becomes an
   alias of ${into} and its row goes. Returns how many rows moved of each. */
WITH
fig AS (
  INSERT INTO enterprise_year AS y (credit_code, year, tax_paid_wan, tax_refund_wan, output_wan, value_added_wan, energy_tce, employment, profit_wan, rating)
  SELECT ${into}, f.year, f.tax_paid_wan, f.tax_refund_wan, f.output_wan, f.value_added_wan, f.energy_tce, f.employment, f.profit_wan, f.rating
    FROM enterprise_year f WHERE f.credit_code = ${from}
  ON CONFLICT (credit_code, year) DO UPDATE SET
    tax_paid_wan = y.tax_paid_wan + EXCLUDED.tax_paid_wan,
    tax_refund_wan = y.tax_refund_wan + EXCLUDED.tax_refund_wan,
    output_wan = CASE WHEN y.output_wan IS NULL AND EXCLUDED.output_wan IS NULL THEN NULL ELSE coalesce(y.output_wan, 0) + coalesce(EXCLUDED.output_wan, 0) END,
    value_added_wan = CASE WHEN y.value_added_wan IS NULL AND EXCLUDED.value_added_wan IS NULL THEN NULL ELSE coalesce(y.value_added_wan, 0) + coalesce(EXCLUDED.value_added_wan, 0) END,
    energy_tce = CASE WHEN y.energy_tce IS NULL AND EXCLUDED.energy_tce IS NULL THEN NULL ELSE coalesce(y.energy_tce, 0) + coalesce(EXCLUDED.energy_tce, 0) END,
    employment = CASE WHEN y.employment IS NULL AND EXCLUDED.employment IS NULL THEN NULL ELSE coalesce(y.employment, 0) + coalesce(EXCLUDED.employment, 0) END,
    profit_wan = CASE WHEN y.profit_wan IS NULL AND EXCLUDED.profit_wan IS NULL THEN NULL ELSE coalesce(y.profit_wan, 0) + coalesce(EXCLUDED.profit_wan, 0) END,
    rating = NULL,
    version = y.version + 1
  RETURNING 1
)
SELECT (SELECT count(*) FROM fig)::int AS figures
