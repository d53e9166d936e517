/* Tax and output per mu of parcel ${parcelId} in ${year} (annex 3 art. 14, tenants merged), to stand in for values a production check did not measure; no row when the parcel had no figures that year. */
SELECT p.tax_per_mu, p.output_per_mu
  FROM analysis.permu_parcels(${year}, ${year}) p
 WHERE p.parcel_id = ${parcelId}
