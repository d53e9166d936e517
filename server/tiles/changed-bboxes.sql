/* The event-log entries after ${from} not yet seen, each with the EPSG:4490 bbox of the land it touched (null: none found). */
SELECT e.id, e.entity,
       ST_XMin(x.b) AS xmin, ST_YMin(x.b) AS ymin, ST_XMax(x.b) AS xmax, ST_YMax(x.b) AS ymax
FROM event_log e
CROSS JOIN LATERAL (
  SELECT ST_Extent(g.geom) AS b FROM (
    -- the old and the new shape of a parcel (kept as geometry, migration 1021)
    SELECT e.old_geom AS geom WHERE e.old_geom IS NOT NULL
    UNION ALL SELECT e.new_geom WHERE e.new_geom IS NOT NULL
    -- the old and the new geometry of another row that has one (the log keeps it as GeoJSON)
    UNION ALL SELECT ST_GeomFromGeoJSON(e.old_value->'geom') WHERE jsonb_typeof(e.old_value->'geom') = 'object'
    UNION ALL SELECT ST_GeomFromGeoJSON(e.new_value->'geom') WHERE jsonb_typeof(e.new_value->'geom') = 'object'
    -- a cluster's boundary (kept as hex EWKB by to_jsonb)
    UNION ALL SELECT (e.old_value->>'boundary')::geometry WHERE e.entity = 'cluster' AND e.old_value ? 'boundary'
    UNION ALL SELECT (e.new_value->>'boundary')::geometry WHERE e.entity = 'cluster' AND e.new_value ? 'boundary'
    -- the parcel a contract, event, lease, ledger entry or alert belongs to
    UNION ALL SELECT p.geom FROM parcel p WHERE p.id = e.parcel_id
    -- the change polygon and the batch an alert points at
    UNION ALL SELECT r.geom FROM rs_change r
     WHERE e.entity = 'alert' AND r.id = (coalesce(e.new_value, e.old_value)->>'change_id')::bigint
    UNION ALL SELECT b.geom FROM approval_batch b
     WHERE e.entity = 'alert' AND b.id = (coalesce(e.new_value, e.old_value)->>'batch_id')::bigint
    -- an enterprise's figures show on the parcels it holds
    UNION ALL SELECT p.geom FROM supply_contract s JOIN parcel p ON p.id = s.parcel_id
     WHERE e.entity IN ('enterprise', 'enterprise_year')
       AND s.land_user_code = coalesce(e.new_value, e.old_value)->>'credit_code'
    -- a county rule re-classifies the parcels of its county (all of them for a city-wide rule)
    UNION ALL SELECT p.geom FROM parcel p
     WHERE e.entity = 'county_rule'
       AND (coalesce(e.new_value, e.old_value)->>'county_code' IS NULL
            OR p.county_code = coalesce(e.new_value, e.old_value)->>'county_code')
  ) g
) x
WHERE e.id > ${from} AND NOT (e.id = ANY(${seen}::bigint[]))
ORDER BY e.id
LIMIT 5000
