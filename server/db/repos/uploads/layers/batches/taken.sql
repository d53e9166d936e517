/* A boolean over the staged feature f: a live approval batch with its number lies outside ${scope}. */
EXISTS (SELECT 1 FROM approval_batch b WHERE b.approval_no = f.key AND NOT (b.county_code = ANY(${scope}::text[])))
