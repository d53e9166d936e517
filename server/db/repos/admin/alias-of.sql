/* The enterprise an old (merged) credit code now belongs to; no row when the code is no alias. */
SELECT credit_code FROM enterprise_alias WHERE alias_code = ${code}
