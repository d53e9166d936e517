/* Nothing: records for each staged feature what the commit would change on the live record with its
   key (upload_feature.changed_fields: NULL new, empty unchanged, else the fields), with the
   functions the commit decides by (migration 831): the same shape within 1 cm and equal mapped
   values are unchanged. */
-- (a new mapping checks again: what an earlier check found goes first)
UPDATE upload_feature f SET changed_fields = NULL WHERE f.upload_id = ${uploadId} AND f.changed_fields IS NOT NULL;

UPDATE upload_feature f
SET changed_fields = upload_parcel_changes(p, f.county_code, f.cluster_code, f.values->>'land_use',
                                           nullif((f.values->>'stated_area_m2')::float8, 0), f.values->>'owner_name', f.geom)
FROM parcel p
WHERE ${layer} = 'parcels' AND f.upload_id = ${uploadId} AND p.code = f.key;

UPDATE upload_feature f
SET changed_fields = upload_batch_changes(b, f.county_code, f.cluster_code, (f.values->>'approved_on')::date, f.values->>'name', f.geom)
FROM approval_batch b
WHERE ${layer} = 'batches' AND f.upload_id = ${uploadId} AND b.approval_no = f.key;

UPDATE upload_feature f
SET changed_fields = upload_rs_change_changes(r, f.values->>'change_type', (f.values->>'image_before')::date,
                                              (f.values->>'image_after')::date, f.county_code, f.geom)
FROM rs_change r
WHERE ${layer} = 'changes' AND f.upload_id = ${uploadId} AND r.code = f.key AND r.period = f.values->>'period';

UPDATE upload_feature f
SET changed_fields = upload_contract_changes(c, (SELECT p.id FROM parcel p WHERE p.code = f.values->>'parcel_code'),
                                             f.values->>'supply_method', (f.values->>'signed_on')::date,
                                             upper(f.values->>'land_user_code'), (f.values->>'price_wan')::numeric,
                                             (f.values->>'agreed_start_on')::date, (f.values->>'agreed_completion_on')::date)
FROM supply_contract c
WHERE ${layer} = 'contracts' AND f.upload_id = ${uploadId} AND c.contract_no = f.key;

-- a cluster outline replaces the boundary unless it is the same and already surveyed
UPDATE upload_feature f
SET changed_fields = CASE WHEN same_shape(k.boundary, f.geom) AND NOT k.boundary_synthetic THEN '{}'::text[] ELSE '{geometry}'::text[] END
FROM cluster k
WHERE ${layer} = 'clusters' AND f.upload_id = ${uploadId} AND k.code = f.cluster_code
