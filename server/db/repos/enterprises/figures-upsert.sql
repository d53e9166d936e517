/* Writes the given columns of one year's figures (the others keep their values, or their defaults on a new row); returns the row as JSON with whether it was new. */
INSERT INTO enterprise_year AS y (credit_code, year, ${columns:name})
VALUES (${creditCode}, ${year}, ${values:raw})
ON CONFLICT (credit_code, year) DO UPDATE SET ${sets:raw}, version = y.version + 1
RETURNING y.version, to_jsonb(y) - 'credit_code' AS figures, (xmax = 0) AS created
