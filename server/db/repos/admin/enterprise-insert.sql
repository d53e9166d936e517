/* Records a new enterprise; no row when the code is already an enterprise or the alias of one. */
INSERT INTO enterprise (credit_code, name, county_code, industry, above_scale, intelligent_retrofit, legal_person, contact_phone)
SELECT ${creditCode}, ${name}, ${county}, ${industry}, ${aboveScale}, ${intelligentRetrofit}, ${legalPerson}, ${contactPhone}
 WHERE NOT EXISTS (SELECT 1 FROM enterprise_alias WHERE alias_code = ${creditCode})
ON CONFLICT (credit_code) DO NOTHING
RETURNING credit_code
