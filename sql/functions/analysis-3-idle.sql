/* 闲置 idle (闲置土地处置办法, 2012, art. 2; stages art. 14; government-caused delay art. 8).
   Every finding row has the same shape across the parcel rules (idle, inefficient, used before
   supply, conformity) so that analysis.findings can stack them and the card can list them. */

CREATE OR REPLACE FUNCTION analysis.idle(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT st.*,
      analysis.rule_num(st.rules, 'idle_days') AS idle_days,
      analysis.rule_num(st.rules, 'idle_stage2_days') AS stage2_days,
      analysis.rule_num(st.rules, 'halt_days') AS halt_days,
      analysis.rule_num(st.rules, 'idle_developed_share') AS dev_share_min,
      analysis.rule_num(st.rules, 'idle_invested_share') AS inv_share_min,
      st.developed_m2::numeric / nullif(st.planned_area_m2, 0)::numeric AS dev_share,
      st.invested_wan / nullif(st.total_investment_wan, 0) AS inv_share,
      CASE WHEN st.gov_event_id IS NULL THEN NULL ELSE jsonb_build_object(
        'label', '政府原因造成动工开发延迟，暂停认定 / delay caused by government: finding suspended (2012 art. 8)',
        'table', 'development_event', 'id', st.gov_event_id, 'occurred_on', st.gov_on, 'note', st.gov_note) END AS suspended_by
    FROM analysis.parcel_state_of($1, $2) st
    WHERE st.contract_id IS NOT NULL AND st.completed_on IS NULL
  ),
  contract_src AS (
    SELECT s.parcel_id, jsonb_build_object('table', 'supply_contract', 'id', s.contract_id, 'contract_no', s.contract_no,
             'agreed_start_on', s.agreed_start_on, 'total_investment_wan', s.total_investment_wan,
             'planned_area_m2', s.planned_area_m2, 'planned_area_source', s.planned_area_source) AS src
    FROM s
  )
  -- (a) Not started more than idle_days (365) after the agreed start date: 366 days is idle, 365 is not.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'idle', 'idle.not_started', NULL::smallint,
    (CASE WHEN ($1 - s.agreed_start_on) >= s.stage2_days THEN 2 ELSE 1 END)::smallint,
    s.gov_event_id IS NOT NULL, s.area_m2,
    jsonb_build_object(
      'classification', 'idle', 'rule', 'idle.not_started',
      'label', '闲置：超过约定动工日期满一年未动工开发 / not started more than one year after the agreed start date',
      'basis', '闲置土地处置办法 (2012) 第二条',
      'as_of', $1,
      'measured', jsonb_build_object('days_since_agreed_start', $1 - s.agreed_start_on, 'started', false),
      'test', format('days_since_agreed_start %s > idle_days %s', $1 - s.agreed_start_on, s.idle_days),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'idle_days'), analysis.rule_cite(s.rules, 'idle_stage2_days')),
      'stage', CASE WHEN ($1 - s.agreed_start_on) >= s.stage2_days THEN 2 ELSE 1 END,
      'stage_label', CASE WHEN ($1 - s.agreed_start_on) >= s.stage2_days
                          THEN '闲置满两年：无偿收回 / idle two years or more: recovery'
                          ELSE '闲置一年以上不满两年：征缴闲置费 / idle one to two years: idle fee' END,
      'suspended_by', s.suspended_by,
      'sources', jsonb_build_array(cs.src))
  FROM s JOIN contract_src cs ON cs.parcel_id = s.parcel_id
  WHERE s.build_on IS NULL AND s.agreed_start_on IS NOT NULL
    AND ($1 - s.agreed_start_on) > s.idle_days
  UNION ALL
  -- (b) Started, but developed < 1/3 of the area to be developed or invested < 25% of the total
  -- investment, and halted halt_days (365) or more: exactly 1/3 and exactly 25% are not below.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'idle', 'idle.halted', NULL::smallint,
    (CASE WHEN ($1 - s.halted_on) >= s.stage2_days THEN 2 ELSE 1 END)::smallint,
    s.gov_event_id IS NOT NULL, s.area_m2,
    jsonb_build_object(
      'classification', 'idle', 'rule', 'idle.halted',
      'label', '闲置：已动工但开发面积不足三分之一或投资不足25%，中止开发建设满一年 / started, under 1/3 developed or under 25% invested, halted one year or more',
      'basis', '闲置土地处置办法 (2012) 第二条',
      'as_of', $1,
      'measured', jsonb_build_object(
        'started_on', s.build_on, 'halted_on', s.halted_on, 'halted_days', $1 - s.halted_on,
        'developed_m2', s.developed_m2, 'planned_area_m2', s.planned_area_m2, 'developed_share', round(s.dev_share, 6),
        'invested_wan', s.invested_wan, 'total_investment_wan', s.total_investment_wan, 'invested_share', round(s.inv_share, 6)),
      'test', concat_ws(' and ',
        format('halted_days %s >= halt_days %s', $1 - s.halted_on, s.halt_days),
        '(' || concat_ws(' or ',
          CASE WHEN s.dev_share < s.dev_share_min THEN format('developed_share %s < %s', trim_scale(round(s.dev_share, 6)), trim_scale(round(s.dev_share_min, 6))) END,
          CASE WHEN s.inv_share < s.inv_share_min THEN format('invested_share %s < %s', trim_scale(round(s.inv_share, 6)), trim_scale(round(s.inv_share_min, 6))) END) || ')'),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'halt_days'), analysis.rule_cite(s.rules, 'idle_developed_share'),
                                      analysis.rule_cite(s.rules, 'idle_invested_share'), analysis.rule_cite(s.rules, 'idle_stage2_days')),
      'stage', CASE WHEN ($1 - s.halted_on) >= s.stage2_days THEN 2 ELSE 1 END,
      'stage_label', CASE WHEN ($1 - s.halted_on) >= s.stage2_days
                          THEN '中止满两年：无偿收回 / halted two years or more: recovery'
                          ELSE '中止一年以上不满两年：征缴闲置费 / halted one to two years: idle fee' END,
      'suspended_by', s.suspended_by,
      'sources', jsonb_build_array(cs.src,
        jsonb_build_object('table', 'development_event', 'id', s.halt_event_id, 'kind', 'halt', 'occurred_on', s.halted_on))
        || CASE WHEN s.developed_event_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
             'table', 'development_event', 'id', s.developed_event_id, 'field', 'developed_area_m2', 'occurred_on', s.developed_on)) END
        || CASE WHEN s.invested_event_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
             'table', 'development_event', 'id', s.invested_event_id, 'field', 'invested_wan', 'occurred_on', s.invested_on)) END)
  FROM s JOIN contract_src cs ON cs.parcel_id = s.parcel_id
  WHERE s.build_on IS NOT NULL AND s.halted_on IS NOT NULL
    AND ($1 - s.halted_on) >= s.halt_days
    AND (s.dev_share < s.dev_share_min OR s.inv_share < s.inv_share_min)
$$;
COMMENT ON FUNCTION analysis.idle(date, bigint[]) IS
  '闲置 idle parcels at a date (2012 measures art. 2): rule idle.not_started or idle.halted, stage 1 (1–2 years) or 2 (≥ 2 years), suspended when a government-caused delay is in force; reason cites measured values, thresholds (county rules) and source records';
