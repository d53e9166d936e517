/* The land model of DOMAIN.md: places, the land's life cycle (供给-监管-退出), figures, rules,
   monitoring, ledger, accounts, and the append-only event log (一地一档).
   Geometry is stored in CGCS2000 geographic (EPSG:4490); areas are derived from it on the
   spheroid (geography) and never typed in twice. */

CREATE SCHEMA IF NOT EXISTS analysis;

-- 1 mu = 10000/15 m² (DOMAIN.md "Units and coordinates").
CREATE FUNCTION m2_to_mu(m2 double precision) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT m2 * 15.0 / 10000.0 $$;
COMMENT ON FUNCTION m2_to_mu(double precision) IS 'square metres to mu (亩): 1 mu = 10000/15 m²';

-- Ellipsoidal area of a 4490 geometry, in m². CGCS2000 and WGS84 ellipsoids differ by
-- 0.1 mm in the semi-minor axis, so the geography (WGS84) area is exact to well below 1e-6.
CREATE FUNCTION ellipsoidal_area_m2(g geometry) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ST_Area(ST_SetSRID(g, 4326)::geography, true) $$;
COMMENT ON FUNCTION ellipsoidal_area_m2(geometry) IS 'area of a geographic (EPSG:4490) geometry on the spheroid, m²';

CREATE TABLE county (
  code        char(6) PRIMARY KEY CHECK (code ~ '^4103[0-9]{2}$'),
  name        text NOT NULL UNIQUE
);
COMMENT ON TABLE county IS '区县 of Luoyang, 6-digit administrative code with the 4103 prefix';

-- 产业集聚区
CREATE TABLE cluster (
  code               text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]+$'),
  name               text NOT NULL UNIQUE,
  short_name         text NOT NULL UNIQUE,
  county_code        char(6) NOT NULL REFERENCES county,
  target_tax_per_mu  numeric(8,2) NOT NULL CHECK (target_tax_per_mu > 0),   -- 万元/亩, seed §一(二)3
  leading_industries text[] NOT NULL DEFAULT '{}',                          -- seed §二(一)1
  boundary           geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(boundary)),
  boundary_synthetic boolean NOT NULL DEFAULT true,
  area_m2            double precision GENERATED ALWAYS AS (ellipsoidal_area_m2(boundary)) STORED,
  area_mu            double precision GENERATED ALWAYS AS (m2_to_mu(ellipsoidal_area_m2(boundary))) STORED
);
CREATE INDEX cluster_boundary_gix ON cluster USING gist (boundary);

-- 规划分区
CREATE TABLE plan_zone (
  id           bigserial PRIMARY KEY,
  cluster_code text NOT NULL REFERENCES cluster,
  county_code  char(6) NOT NULL REFERENCES county,
  zone_type    text NOT NULL CHECK (zone_type IN ('industrial','logistics','residential','public','green','road','other')),
  name         text,
  geom         geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(geom)),
  area_m2      double precision GENERATED ALWAYS AS (ellipsoidal_area_m2(geom)) STORED,
  area_mu      double precision GENERATED ALWAYS AS (m2_to_mu(ellipsoidal_area_m2(geom))) STORED
);
CREATE INDEX plan_zone_geom_gix ON plan_zone USING gist (geom);
CREATE INDEX plan_zone_cluster_idx ON plan_zone (cluster_code);

-- 批次: 农用地转用/土地征收 approval batch
CREATE TABLE approval_batch (
  id           bigserial PRIMARY KEY,
  approval_no  text NOT NULL UNIQUE,          -- 批准文号
  name         text,
  county_code  char(6) NOT NULL REFERENCES county,
  cluster_code text REFERENCES cluster,
  approved_on  date NOT NULL,
  geom         geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(geom)),
  area_m2      double precision GENERATED ALWAYS AS (ellipsoidal_area_m2(geom)) STORED,
  area_mu      double precision GENERATED ALWAYS AS (m2_to_mu(ellipsoidal_area_m2(geom))) STORED,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approval_batch_geom_gix ON approval_batch USING gist (geom);
CREATE INDEX approval_batch_county_idx ON approval_batch (county_code);

-- 企业, keyed by 统一社会信用代码 (18 characters, GB 32100-2015)
CREATE TABLE enterprise (
  credit_code          char(18) PRIMARY KEY CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
  name                 text NOT NULL,
  county_code          char(6) NOT NULL REFERENCES county,
  industry             text,                 -- matched against cluster.leading_industries
  above_scale          boolean NOT NULL DEFAULT false,   -- 规模以上
  intelligent_retrofit boolean NOT NULL DEFAULT false,   -- 智能化改造, §一(二)4
  legal_person         text,                 -- personal data: never public
  contact_phone        text,                 -- personal data: never public
  version              integer NOT NULL DEFAULT 1
);
CREATE INDEX enterprise_name_idx ON enterprise (name);

-- 宗地
CREATE TABLE parcel (
  id              bigserial PRIMARY KEY,
  code            text NOT NULL UNIQUE,              -- 宗地编号
  county_code     char(6) NOT NULL REFERENCES county,
  cluster_code    text REFERENCES cluster,
  land_use        text,                              -- 土地用途
  stage           text NOT NULL DEFAULT 'approved'
                  CHECK (stage IN ('approved','supplied','under_construction','completed','producing','recovered')),
  stated_area_m2  double precision CHECK (stated_area_m2 > 0),   -- as surveyed/typed; checked against geometry
  geom            geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  area_m2         double precision GENERATED ALWAYS AS (ellipsoidal_area_m2(geom)) STORED,
  area_mu         double precision GENERATED ALWAYS AS (m2_to_mu(ellipsoidal_area_m2(geom))) STORED,
  version         integer NOT NULL DEFAULT 1,
  retired_at      timestamptz,
  retired_reason  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((retired_at IS NULL) = (retired_reason IS NULL))
);
CREATE INDEX parcel_geom_gix ON parcel USING gist (geom);
CREATE INDEX parcel_county_idx ON parcel (county_code);
CREATE INDEX parcel_cluster_idx ON parcel (cluster_code);

-- 供地: grant (出让) or allocation (划拨); standard land (标准地) carries its 3+N+1 indicators
CREATE TABLE supply_contract (
  id                    bigserial PRIMARY KEY,
  contract_no           text NOT NULL UNIQUE,       -- 合同编号 / 划拨决定书号
  parcel_id             bigint NOT NULL REFERENCES parcel,
  county_code           char(6) NOT NULL REFERENCES county,
  supply_method         text NOT NULL CHECK (supply_method IN ('grant','allocation')),
  land_user_code        char(18) REFERENCES enterprise,
  land_use              text,
  signed_on             date NOT NULL,
  price_wan             numeric(14,2) CHECK (price_wan >= 0),           -- sensitive: never public
  agreed_start_on       date,                       -- 约定动工日期
  agreed_completion_on  date,                       -- 约定竣工日期
  total_investment_wan  numeric(14,2) CHECK (total_investment_wan >= 0),
  planned_floor_area_m2 double precision,           -- area to be developed (idle rule, 2012 art. 2)
  is_standard_land      boolean NOT NULL DEFAULT false,
  term_years            integer CHECK (term_years > 0 AND term_years <= 50),
  major_project         boolean NOT NULL DEFAULT false,   -- allows a term over 20 years (annex 2)
  terminated_on         date,
  version               integer NOT NULL DEFAULT 1,
  CHECK (agreed_completion_on IS NULL OR agreed_start_on IS NULL OR agreed_completion_on >= agreed_start_on),
  CHECK (term_years IS NULL OR term_years <= 20 OR major_project)
);
CREATE INDEX supply_contract_parcel_idx ON supply_contract (parcel_id);
CREATE INDEX supply_contract_user_idx ON supply_contract (land_user_code);

-- Contract indicators: the 7 of annex 3 art. 2(3) and the 3+N of standard land (annex 2).
CREATE TABLE contract_indicator (
  contract_id  bigint NOT NULL REFERENCES supply_contract ON DELETE CASCADE,
  indicator    text NOT NULL,      -- plot_ratio, building_density, investment_intensity, output_intensity,
                                   -- building_coefficient, green_ratio, admin_share, tax_per_mu, employment…
  unit         text NOT NULL,
  direction    text NOT NULL CHECK (direction IN ('min','max')),
  value        numeric NOT NULL,
  is_core      boolean NOT NULL DEFAULT false,   -- one of the "3" of 3+N+1
  PRIMARY KEY (contract_id, indicator)
);

-- Development: start, progress, halt, completion and acceptance (DOMAIN.md life cycle 3)
CREATE TABLE development_event (
  id                bigserial PRIMARY KEY,
  parcel_id         bigint NOT NULL REFERENCES parcel,
  county_code       char(6) NOT NULL REFERENCES county,
  kind              text NOT NULL CHECK (kind IN ('start','progress','halt','resume','completion',
                                                 'completion_acceptance','production_acceptance','inspection')),
  occurred_on       date NOT NULL,
  developed_area_m2 double precision CHECK (developed_area_m2 >= 0),
  invested_wan      numeric(14,2) CHECK (invested_wan >= 0),
  measured          jsonb,          -- indicator values measured at an acceptance check
  government_caused boolean NOT NULL DEFAULT false,   -- delay caused by government: suspends idleness
  note              text,
  recorded_by       text,
  version           integer NOT NULL DEFAULT 1
);
CREATE INDEX development_event_parcel_idx ON development_event (parcel_id, occurred_on);

-- Land or standard factories leased by a landholder to tenants (annex 3 art. 14)
CREATE TABLE lease (
  id              bigserial PRIMARY KEY,
  parcel_id       bigint NOT NULL REFERENCES parcel,
  county_code     char(6) NOT NULL REFERENCES county,
  landholder_code char(18) NOT NULL REFERENCES enterprise,
  tenant_code     char(18) NOT NULL REFERENCES enterprise,
  starts_on       date NOT NULL,
  ends_on         date,
  CHECK (ends_on IS NULL OR ends_on >= starts_on),
  CHECK (landholder_code <> tenant_code)
);
CREATE INDEX lease_parcel_idx ON lease (parcel_id);

-- Yearly enterprise figures. Sensitive (DOMAIN.md "Governance"): never public, never to surveyors.
CREATE TABLE enterprise_year (
  credit_code     char(18) NOT NULL REFERENCES enterprise,
  year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  tax_paid_wan    numeric(14,2) NOT NULL DEFAULT 0,
  tax_refund_wan  numeric(14,2) NOT NULL DEFAULT 0 CHECK (tax_refund_wan >= 0),  -- added back, annex 3 art. 14
  output_wan      numeric(14,2),           -- verified by the statistics bureau
  value_added_wan numeric(14,2),
  energy_tce      numeric(14,2),           -- tonnes of coal equivalent
  employment      integer CHECK (employment >= 0),
  profit_wan      numeric(14,2),           -- operating profit
  rating          char(1) CHECK (rating IN ('A','B','C','D')),
  version         integer NOT NULL DEFAULT 1,
  PRIMARY KEY (credit_code, year)
);

-- County rules as data (DOMAIN.md: every threshold per county, versioned, with an effective date).
-- county_code NULL is the city-wide default that a county row overrides.
CREATE TABLE county_rule (
  id             bigserial PRIMARY KEY,
  county_code    char(6) REFERENCES county,
  key            text NOT NULL,
  value          jsonb NOT NULL,
  effective_from date NOT NULL,
  note           text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (county_code, key, effective_from)
);

-- Remote-sensing change polygons (DOMAIN.md "Dynamic monitoring")
CREATE TABLE rs_change (
  id            bigserial PRIMARY KEY,
  code          text NOT NULL,
  period        text NOT NULL,                     -- 监测批次, e.g. 2023Q2
  change_type   text NOT NULL CHECK (change_type IN ('new_construction','demolition','earth_moving')),
  image_before  date NOT NULL,
  image_after   date NOT NULL CHECK (image_after > image_before),
  county_code   char(6) REFERENCES county,
  linked_to     bigint REFERENCES rs_change,       -- same change detected in an earlier period
  geom          geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(geom)),
  area_m2       double precision GENERATED ALWAYS AS (ellipsoidal_area_m2(geom)) STORED,
  UNIQUE (period, code)
);
CREATE INDEX rs_change_geom_gix ON rs_change USING gist (geom);

CREATE TABLE app_user (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
  display_name  text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin','analyst','surveyor','inspector')),
  county_scope  char(6)[],          -- NULL: the whole city; else the counties this user sees and edits
  password_hash text NOT NULL,
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_session (
  token_hash  text PRIMARY KEY,     -- sha256 of the bearer token; the token itself is never stored
  user_id     bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

-- Patrol alerts from change polygons (§四(二))
CREATE TABLE alert (
  id            bigserial PRIMARY KEY,
  type          text NOT NULL,
  severity      text NOT NULL CHECK (severity IN ('high','medium','low')),
  status        text NOT NULL DEFAULT 'new'
                CHECK (status IN ('new','assigned','in_field','confirmed','false_positive','closed')),
  change_id     bigint REFERENCES rs_change,
  parcel_id     bigint REFERENCES parcel,
  batch_id      bigint REFERENCES approval_batch,
  county_code   char(6) REFERENCES county,
  cluster_code  text REFERENCES cluster,
  overlap_m2    double precision,
  overlap_share double precision,
  assignee_id   bigint REFERENCES app_user,
  due_on        date,
  finding       jsonb,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- One change and one parcel make at most one open alert.
CREATE UNIQUE INDEX alert_open_unique ON alert (change_id, parcel_id, type)
  WHERE status NOT IN ('closed','false_positive');

-- 工作台账: disposal ledger, annex 3 art. 6 ("一地一策")
CREATE TABLE disposal_ledger (
  id               bigserial PRIMARY KEY,
  parcel_id        bigint NOT NULL REFERENCES parcel,
  county_code      char(6) NOT NULL REFERENCES county,
  measure          text NOT NULL,       -- 自主开发, 政府收储, 二次开发, 收回, 闲置费…
  deadline         date NOT NULL,
  responsible_unit text NOT NULL,
  progress         text,
  completed_on     date,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disposal_ledger_parcel_idx ON disposal_ledger (parcel_id);

-- 一地一档: every change to the land tables, with the old and the new value, who and when.
-- Append-only: rows are never updated or deleted (enforced below).
CREATE TABLE event_log (
  id           bigserial PRIMARY KEY,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  entity       text NOT NULL,
  entity_id    text NOT NULL,
  parcel_id    bigint,
  county_code  char(6),
  action       text NOT NULL,
  old_value    jsonb,
  new_value    jsonb,
  note         text
);
CREATE INDEX event_log_parcel_idx ON event_log (parcel_id, id);
CREATE INDEX event_log_entity_idx ON event_log (entity, entity_id, id);

CREATE FUNCTION event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'event_log is append-only (一地一档): % refused', TG_OP;
END $$;
CREATE TRIGGER event_log_no_update BEFORE UPDATE OR DELETE ON event_log
  FOR EACH ROW EXECUTE FUNCTION event_log_append_only();

-- The actor of a write is set per transaction: SELECT set_config('onemap.actor', 'user:…', true).
CREATE FUNCTION current_actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('onemap.actor', true), ''), 'system:' || current_user)
$$;

-- Keeps every old value: one generic trigger on every land table, so no write path can forget.
-- Geometry is logged as GeoJSON rather than hex EWKB so that the file stays readable.
CREATE FUNCTION log_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_j jsonb;
  new_j jsonb;
  row_j jsonb;
  pid   bigint;
BEGIN
  IF TG_OP IN ('UPDATE','DELETE') THEN old_j := to_jsonb(OLD); END IF;
  IF TG_OP IN ('INSERT','UPDATE') THEN new_j := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' AND old_j = new_j THEN RETURN NEW; END IF;
  row_j := coalesce(new_j, old_j);
  IF row_j ? 'geom' THEN
    IF old_j IS NOT NULL THEN old_j := jsonb_set(old_j, '{geom}', ST_AsGeoJSON(OLD.geom, 9)::jsonb); END IF;
    IF new_j IS NOT NULL THEN new_j := jsonb_set(new_j, '{geom}', ST_AsGeoJSON(NEW.geom, 9)::jsonb); END IF;
  END IF;
  IF TG_TABLE_NAME = 'parcel' THEN
    pid := (row_j->>'id')::bigint;
  ELSIF row_j ? 'parcel_id' THEN
    pid := (row_j->>'parcel_id')::bigint;
  END IF;
  INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, note)
  VALUES (current_actor(), TG_TABLE_NAME,
          coalesce(row_j->>'id', row_j->>'credit_code', row_j->>'code', ''),
          pid, row_j->>'county_code', lower(TG_OP), old_j, new_j,
          nullif(current_setting('onemap.note', true), ''));
  RETURN coalesce(NEW, OLD);
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['approval_batch','enterprise','parcel','supply_contract','contract_indicator',
                           'development_event','lease','enterprise_year','county_rule','alert',
                           'disposal_ledger','plan_zone','cluster']
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION log_row_change()',
                   t || '_log', t);
  END LOOP;
END $$;
