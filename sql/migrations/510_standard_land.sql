/* Standard land (标准地, §二(四)10 and annex 2) from sale to acceptance, rectification or termination:
   the agreed check periods of the performance agreement (履约监管协议, annex 2 art. 11), the checks
   (竣工验收, 达产验收; annex 2 art. 12) with measured values and pass/fail per indicator, and the
   rectifications a failure opens (at most two years). Every row carries the parcel, so the event-log
   trigger puts all of it in the parcel's file (一地一档); the ledger entries go to disposal_ledger.
   The contract itself, its 3+N indicators and its term ("1") are supply_contract and
   contract_indicator of 001 (CHECK term ≤ 20 years unless major_project). */

INSERT INTO county_rule (county_code, key, value, effective_from, note) VALUES
  (NULL, 'standard_land_share_targets', '[{"from_year": 2021, "share": 0.20}, {"from_year": 2023, "share": 1.0}]', '1900-01-01',
   '标准地出让比例（annex 2 art. 5）：2021年新增工业用地不低于20%；2022年底前全面实行（自2023年起100%）/ share of new industrial land sold as standard land, from a year on'),
  (NULL, 'standard_land_completion_check_months', '6', '1900-01-01',
   '竣工验收期限：约定竣工日期后若干月内（协议未约定时）/ completion check due this many months after the agreed completion, unless the agreement says otherwise'),
  (NULL, 'standard_land_production_check_months', '24', '1900-01-01',
   '达产验收期限：竣工验收（或约定竣工日期）后若干月内（协议未约定时）/ production check due this many months after completion acceptance (or the agreed completion)'),
  (NULL, 'standard_land_rectification_months', '24', '1900-01-01',
   '整改期（annex 2 art. 12：最长不超过两年）：未另定期限时的整改期月数 / rectification period when the check sets none (never over 24)'),
  (NULL, 'standard_land_termination_months', '6', '1900-01-01',
   '复验仍未达标：建议解除合同、收回土地的办理时限（月）/ months given to terminate the contract and recover the land after a failed re-check'),
  (NULL, 'standard_land_completion_indicators',
   '["investment_intensity", "plot_ratio", "building_density", "building_coefficient", "green_ratio", "admin_share"]', '1900-01-01',
   '竣工验收核查的指标（其余指标在达产验收核查）/ indicators checked at the completion check; the production check checks every indicator of the contract');

-- The performance agreement's periods (协议约定的验收期限). Without a row the county rules give them.
CREATE TABLE standard_land_terms (
  id                  bigserial PRIMARY KEY,
  contract_id         bigint NOT NULL UNIQUE REFERENCES supply_contract,
  parcel_id           bigint NOT NULL REFERENCES parcel,
  county_code         char(6) NOT NULL REFERENCES county,
  agreement_no        text,                  -- 《工业项目"标准地"履约监管协议》编号
  completion_check_by date,                  -- 竣工验收期限
  production_check_by date,                  -- 达产验收期限
  version             integer NOT NULL DEFAULT 1,
  CHECK (production_check_by IS NULL OR completion_check_by IS NULL OR production_check_by >= completion_check_by)
);

-- A completion (竣工) or production (达产) check: measured values, and per indicator agreed, measured, pass.
CREATE TABLE standard_land_check (
  id                   bigserial PRIMARY KEY,
  contract_id          bigint NOT NULL REFERENCES supply_contract,
  parcel_id            bigint NOT NULL REFERENCES parcel,
  county_code          char(6) NOT NULL REFERENCES county,
  kind                 text NOT NULL CHECK (kind IN ('completion','production')),
  checked_on           date NOT NULL,
  recheck_of           bigint,               -- the rectification this check closes (a re-check)
  measured             jsonb NOT NULL CHECK (jsonb_typeof(measured) = 'object'),
  measured_source      jsonb,                -- {indicator: {"source": "permu", "year": …}} for values taken from the per-mu figures
  -- [{indicator, unit, direction, agreed, pass, is_core}]: the measured values stay in `measured` alone,
  -- where redact_sensitive() hides tax and output per mu from roles that may not see them
  results              jsonb NOT NULL,
  failed               text[] NOT NULL,
  passed               boolean NOT NULL,
  development_event_id bigint REFERENCES development_event,
  note                 text,
  recorded_by          text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (passed = (cardinality(failed) = 0))
);
CREATE INDEX standard_land_check_contract_idx ON standard_land_check (contract_id, kind, checked_on);

-- 整改 (annex 2 art. 12): opened by a failed check, at most two years, closed by the re-check.
CREATE TABLE standard_land_rectification (
  id                    bigserial PRIMARY KEY,
  contract_id           bigint NOT NULL REFERENCES supply_contract,
  parcel_id             bigint NOT NULL REFERENCES parcel,
  county_code           char(6) NOT NULL REFERENCES county,
  kind                  text NOT NULL CHECK (kind IN ('completion','production')),
  failed_check_id       bigint NOT NULL UNIQUE REFERENCES standard_land_check,
  opened_on             date NOT NULL,
  deadline              date NOT NULL,
  recheck_id            bigint UNIQUE REFERENCES standard_land_check,
  outcome               text CHECK (outcome IN ('passed','failed')),
  closed_on             date,
  ledger_id             bigint REFERENCES disposal_ledger,
  termination_ledger_id bigint REFERENCES disposal_ledger,
  version               integer NOT NULL DEFAULT 1,
  -- "给予最长不超过两年的整改期"
  CHECK (deadline > opened_on AND deadline <= (opened_on + interval '2 years')::date),
  CHECK ((recheck_id IS NULL) = (outcome IS NULL) AND (outcome IS NULL) = (closed_on IS NULL)),
  CHECK (outcome IS DISTINCT FROM 'failed' OR termination_ledger_id IS NOT NULL)
);
CREATE INDEX standard_land_rectification_contract_idx ON standard_land_rectification (contract_id);
-- one open rectification per contract and kind
CREATE UNIQUE INDEX standard_land_rectification_open ON standard_land_rectification (contract_id, kind) WHERE recheck_id IS NULL;

ALTER TABLE standard_land_check ADD FOREIGN KEY (recheck_of) REFERENCES standard_land_rectification;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['standard_land_terms','standard_land_check','standard_land_rectification'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION log_row_change()', t || '_log', t);
  END LOOP;
END $$;
