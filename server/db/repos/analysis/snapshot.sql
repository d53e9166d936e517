/* The date the materialised results are for and the last full recompute, or no row before the first. */
SELECT as_of, refreshed_at, duration_ms, parcels AS findings, batches, changes FROM analysis.snapshot
