/* A boolean over the staged feature f: a live parcel with its code lies outside ${scope}. */
EXISTS (SELECT 1 FROM parcel p WHERE p.code = f.key AND NOT (p.county_code = ANY(${scope}::text[])))
