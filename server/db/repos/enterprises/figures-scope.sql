/* Which of the given credit codes name enterprises visible to the caller, with their names. */
SELECT e.credit_code, e.name
  FROM enterprise e
 WHERE e.credit_code = ANY(${codes}::text[])
   AND ${visible:raw}
