/* Adds a version of a rule for a county (NULL: city-wide) from a date on; no row when that owner already has a version from that date (versions are never edited). */
INSERT INTO county_rule (county_code, key, value, effective_from, note)
VALUES (${county}, ${key}, ${value}::jsonb, ${from}::date, ${note})
ON CONFLICT (county_code, key, effective_from) DO NOTHING
RETURNING id, county_code, key, value, effective_from, note, created_at
