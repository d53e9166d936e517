/* Computes a report, stores it with its inputs, rule versions and data version, and returns its id. */
SELECT governance.generate(${kind}, ${period}, ${asOf}::date, ${scope}::text[], ${params:json}::jsonb, ${actor}) AS id
