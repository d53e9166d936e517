/* Which of the given credit codes are recorded enterprises (an alias answers with the code it was merged into). */
SELECT c AS asked, coalesce(e.credit_code, a.credit_code) AS credit_code
  FROM unnest(${codes}::text[]) c
  LEFT JOIN enterprise e ON e.credit_code = c
  LEFT JOIN enterprise_alias a ON a.alias_code = c
