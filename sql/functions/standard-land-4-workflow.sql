/* The standard-land workflow (标准地, DOMAIN.md "Standard land"; annex 2 arts. 9, 11, 12) as data:
   the term its sale may agree, and the table of its steps — from each status (analysis.
   standard_land_status), which check may be recorded, where its outcome leads and what it opens or
   closes, or why it is refused. The workflow (server/db/workflows/standard-land) follows this table,
   and GET /api/standard-land/transitions publishes it for the web map. */

-- "1" of 3+N+1 (DOMAIN.md "Standard land"; annex 2 art. 9): a term of at most 20 years, at most 50
-- for a project the city or county recognises as major or strategic. (Migration 001's CHECK on
-- supply_contract says the same of the stored row; this is the rule the API applies and shows.)
CREATE OR REPLACE FUNCTION analysis.standard_land_max_term(major_project boolean) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN $1 THEN 50 ELSE 20 END $$;
COMMENT ON FUNCTION analysis.standard_land_max_term(boolean) IS
  'the longest term (years) a standard-land sale may agree: 20, or 50 for a recognised major or strategic project (annex 2 art. 9)';

/* One row per (status, step, kind, rectification kind, outcome):
   - step 'check' (a completion or production check, kind) or 'terminate';
   - rectifying: the kind of the open rectification when status is 'rectifying' (NULL otherwise);
   - outcome 'passed' / 'failed' of the check (NULL: either, or a step without outcome);
   - refused: the code of the 409 when the step is not allowed from the status (then to_status and
     effect are NULL);
   - effect: what the step opens or closes besides the check itself:
       open_rectification    a rectification of at most two years and its ledger entry 限期整改 (annex 2 art. 12)
       close_rectification   the re-check passed: the rectification closes, its ledger entry completes
       recommend_termination the re-check failed: the rectification closes failed, its ledger entry
                             completes, a ledger entry 收回 recommends terminating the contract
       complete_termination  the termination: the open 收回 entries complete. */
CREATE OR REPLACE FUNCTION analysis.standard_land_transitions()
  RETURNS TABLE (status text, step text, kind text, rectifying text, outcome text,
                 to_status text, effect text, refused text, basis text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  VALUES
    ('awaiting_completion_check', 'check', 'completion', NULL, 'passed', 'completion_accepted', NULL, NULL, '附件2第十一条'),
    ('awaiting_completion_check', 'check', 'completion', NULL, 'failed', 'rectifying', 'open_rectification', NULL, '附件2第十二条'),
    ('awaiting_completion_check', 'check', 'production', NULL, NULL, NULL, NULL, 'completion_first', '附件2第十一条'),
    ('completion_accepted', 'check', 'completion', NULL, NULL, NULL, NULL, 'already_passed', '附件2第十一条'),
    ('completion_accepted', 'check', 'production', NULL, 'passed', 'production_accepted', NULL, NULL, '附件2第十一条'),
    ('completion_accepted', 'check', 'production', NULL, 'failed', 'rectifying', 'open_rectification', NULL, '附件2第十二条'),
    ('production_accepted', 'check', 'completion', NULL, NULL, NULL, NULL, 'already_passed', '附件2第十一条'),
    ('production_accepted', 'check', 'production', NULL, NULL, NULL, NULL, 'already_passed', '附件2第十一条'),
    ('rectifying', 'check', 'completion', 'completion', 'passed', 'completion_accepted', 'close_rectification', NULL, '附件2第十二条'),
    ('rectifying', 'check', 'completion', 'completion', 'failed', 'termination_recommended', 'recommend_termination', NULL, '附件2第十二条'),
    ('rectifying', 'check', 'production', 'completion', NULL, NULL, NULL, 'rectifying', '附件2第十二条'),
    ('rectifying', 'check', 'production', 'production', 'passed', 'production_accepted', 'close_rectification', NULL, '附件2第十二条'),
    ('rectifying', 'check', 'production', 'production', 'failed', 'termination_recommended', 'recommend_termination', NULL, '附件2第十二条'),
    ('rectifying', 'check', 'completion', 'production', NULL, NULL, NULL, 'rectifying', '附件2第十二条'),
    ('termination_recommended', 'check', 'completion', NULL, NULL, NULL, NULL, 'termination_recommended', '附件2第十二条'),
    ('termination_recommended', 'check', 'production', NULL, NULL, NULL, NULL, 'termination_recommended', '附件2第十二条'),
    ('terminated', 'check', 'completion', NULL, NULL, NULL, NULL, 'terminated', '附件2第十二条'),
    ('terminated', 'check', 'production', NULL, NULL, NULL, NULL, 'terminated', '附件2第十二条'),
    ('awaiting_completion_check', 'terminate', NULL, NULL, NULL, 'terminated', 'complete_termination', NULL, '附件2第十二条'),
    ('completion_accepted', 'terminate', NULL, NULL, NULL, 'terminated', 'complete_termination', NULL, '附件2第十二条'),
    ('production_accepted', 'terminate', NULL, NULL, NULL, 'terminated', 'complete_termination', NULL, '附件2第十二条'),
    ('rectifying', 'terminate', NULL, NULL, NULL, 'terminated', 'complete_termination', NULL, '附件2第十二条'),
    ('termination_recommended', 'terminate', NULL, NULL, NULL, 'terminated', 'complete_termination', NULL, '附件2第十二条'),
    ('terminated', 'terminate', NULL, NULL, NULL, NULL, NULL, 'terminated', '附件2第十二条')
$$;
COMMENT ON FUNCTION analysis.standard_land_transitions() IS
  'the standard-land workflow as a table: per status, step (check of a kind, or terminate), open rectification kind and outcome, the status it leads to and what it opens or closes (open_rectification, close_rectification, recommend_termination, complete_termination), or the code it is refused with (annex 2 arts. 11-12)';

/* The dates a check's outcome sets (annex 2 art. 12; county rules, analysis.rule): the latest
   rectification deadline (two years), the default one (standard_land_rectification_months, at most
   two years) and the due date of a recommended termination (standard_land_termination_months). */
CREATE OR REPLACE FUNCTION analysis.standard_land_check_dates(county char(6), checked_on date)
  RETURNS TABLE (max_deadline date, deadline date, termination_due date)
  LANGUAGE sql STABLE AS $$
  SELECT analysis.add_months($2, 24),
         analysis.add_months($2, least(24, (analysis.rule($1, 'standard_land_rectification_months', $2) #>> '{}')::numeric)),
         analysis.add_months($2, (analysis.rule($1, 'standard_land_termination_months', $2) #>> '{}')::numeric)
$$;
COMMENT ON FUNCTION analysis.standard_land_check_dates(char, date) IS
  'for a check on a date in a county: the latest rectification deadline (two years on), the default deadline (the county rule, at most two years) and the due date of a recommended termination';
