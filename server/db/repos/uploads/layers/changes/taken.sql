/* A boolean over the staged feature f: a live change polygon with its period and code lies outside ${scope} (or in no county). */
EXISTS (SELECT 1 FROM rs_change r WHERE r.code = f.key AND r.period = f.values->>'period'
          AND (r.county_code IS NULL OR NOT (r.county_code = ANY(${scope}::text[]))))
