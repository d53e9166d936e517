/* A county rule in force for county ${county} on ${on} (analysis.rule). */
SELECT analysis.rule(${county}, ${key}, ${on}::date) AS value
