/* A report computed now from given inputs, with the rule versions in force at its as_of and the data version now. */
SELECT governance.compute(${kind}, ${period}, ${asOf}::date, ${scope}::text[], ${params:json}::jsonb) AS result,
       governance.rule_versions(${asOf}::date, ${scope}::text[]) AS rule_versions,
       governance.data_version() AS data_version
