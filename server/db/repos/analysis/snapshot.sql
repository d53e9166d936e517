/* The date the materialised results are for, the last full recompute, and how many rows deferred
   writes left queued for refreshing (while any are, readers compute live); no row before the first. */
SELECT as_of, refreshed_at, duration_ms, parcels AS findings, batches, changes,
       (SELECT count(*) FROM analysis.pending_parcel)::int AS pending
FROM analysis.snapshot
