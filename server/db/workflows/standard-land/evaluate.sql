/* Contract ${id}'s indicators judged against the measured values of a ${kind} check on ${on}: {results, failed, missing, unknown, covered, passed}. */
SELECT analysis.standard_land_evaluate(${id}, ${kind}, ${measured}::jsonb, ${on}::date) AS e
