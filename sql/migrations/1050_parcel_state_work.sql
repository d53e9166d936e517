/* The parcel state of one slice of the full recompute, computed once and read by the four parcel
   rules (sql/functions/analysis-2-state.sql, analysis.parcel_state_of): each rule computed it
   again from the events and contracts, 4 times a slice. Rows live only inside the transaction of
   the recompute (or of a large catch-up) that fills it, which deletes them before it ends: other
   sessions always see it empty. A plain (logged) table, not an unlogged or temporary one: the
   rules that read it are planned on read replicas too, where those cannot be opened. Its columns
   are analysis.parcel_state's, in the same order (its row type is what the rules read). */
CREATE TABLE analysis.parcel_state_work (
  parcel_id bigint PRIMARY KEY, parcel_code text, county_code char(6), cluster_code text, land_use text,
  area_m2 numeric, rules jsonb,
  contract_id bigint, contract_no text, signed_on date, agreed_start_on date, land_user_code char(18),
  contract_land_use text, total_investment_wan numeric, planned_area_m2 double precision, planned_area_source text,
  started_on date, start_event_id bigint,
  halted_on date, halt_event_id bigint,
  completed_on date, completion_event_id bigint,
  accepted_on date, acceptance_event_id bigint,
  producing_on date, producing_event_id bigint,
  developed_m2 double precision, developed_event_id bigint, developed_on date,
  invested_wan numeric, invested_event_id bigint, invested_on date,
  gov_event_id bigint, gov_on date, gov_note text,
  build_event_id bigint, build_on date, build_kind text
);
COMMENT ON TABLE analysis.parcel_state_work IS
  'working rows of the full recompute: the parcel state of the slice being computed, written and deleted in the recompute''s own transaction';
