/* The id of the disposal-ledger entry (工作台账, annex 3 art. 6) a confirmed 未供即用 opens on a parcel, with the deadline and unit of the county rules. */
INSERT INTO disposal_ledger (parcel_id, county_code, measure, cause, deadline, responsible_unit, progress)
SELECT p.id, p.county_code, ${measure}, ${cause},
       luoyang_today() + coalesce(analysis.rule(p.county_code, 'ubs_ledger_days', luoyang_today())::text::integer, 90),
       coalesce(analysis.rule(p.county_code, 'ubs_ledger_unit', luoyang_today()) #>> '{}', '县（区）自然资源主管部门'),
       ${progress}
  FROM parcel p WHERE p.id = ${parcelId}
RETURNING id
