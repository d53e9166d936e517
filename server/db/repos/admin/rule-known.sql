/* Whether a rule key exists (a city-wide or county row), and whether the county exists (NULL: city-wide). */
SELECT EXISTS (SELECT 1 FROM county_rule WHERE key = ${key}) AS known,
       (${county}::text IS NULL OR EXISTS (SELECT 1 FROM county WHERE code = ${county})) AS county_known
