/* Replaces the indicators of contract ${id} by ${indicators} (a JSON array), the old ones deleted first (the event log keeps them); returns how many are now set. */
DELETE FROM contract_indicator WHERE contract_id = ${id};
INSERT INTO contract_indicator (contract_id, indicator, unit, direction, value, is_core)
SELECT ${id}, i.indicator, i.unit, i.direction, i.value, coalesce(i.is_core, false)
  FROM jsonb_to_recordset(${indicators}::jsonb) AS i(indicator text, unit text, direction text, value numeric, is_core boolean);
SELECT count(*)::int AS n FROM contract_indicator WHERE contract_id = ${id}
