/* Records a development event (动工, 进度, 停工, 竣工, 验收, 巡查) on a parcel; returns it. */
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan,
                               measured, government_caused, note, recorded_by)
VALUES (${parcelId}, ${countyCode}, ${kind}, ${occurred_on}, ${developed_area_m2}, ${invested_wan},
        ${measured}::jsonb, ${government_caused}, ${note}, ${recordedBy})
RETURNING version, redact_sensitive(to_jsonb(development_event), ${sensitive})
  - 'parcel_id' - 'county_code' AS event
