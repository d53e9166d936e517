/* Whether a lease joins the two enterprises of a merge (after it the landholder would lease to itself). */
SELECT EXISTS (SELECT 1 FROM lease WHERE (landholder_code = ${into} AND tenant_code = ${from})
                                    OR (landholder_code = ${from} AND tenant_code = ${into})) AS joined
