/* Dynamic monitoring and patrol alerts (DOMAIN.md "Dynamic monitoring"; seed §四(二)): the rules
   that turn remote-sensing change polygons into alerts are the STABLE functions of
   sql/functions/alerts-*.sql; this file stores what they need and what the workflow records:
   the alert's subject (what makes it the same alert over periods), every detection linked to it,
   the inspectors' photos, the cluster → inspector routing, the thresholds as county rules, and a
   record of every scan. Every write lands in the event log (一地一档) through log_row_change. */

-- Alert types (the names 001's users already write):
--   construction_on_unsupplied   construction on land with no supply contract (未供即用 or illegal use)
--   construction_on_idle         construction on an idle or not-yet-started parcel (verify start)
--   no_change_after_start_date   supplied, past the agreed start, no change and no start (suspected idle)
--   demolition_on_producing      demolition on a producing parcel
--   change_outside_cluster       a change outside every cluster boundary
ALTER TABLE alert
  ADD COLUMN subject_key   text,                               -- the alert's subject, see alert_subject_unique
  ADD COLUMN contract_id   bigint REFERENCES supply_contract,  -- no_change_after_start_date: the contract it is about
  ADD COLUMN reason        jsonb,                              -- label, basis, measured values, thresholds, sources
  ADD COLUMN as_of         date,                               -- the date the rule was evaluated at
  ADD COLUMN assigned_at   timestamptz,
  ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN closed_at     timestamptz,
  ADD COLUMN escalated_to  bigint REFERENCES app_user,         -- the county's analyst, once overdue
  ADD COLUMN escalated_at  timestamptz,
  ADD COLUMN ledger_id     bigint REFERENCES disposal_ledger,  -- opened by a confirmed 未供即用
  ADD COLUMN start_event_id bigint REFERENCES development_event; -- recorded by a confirmed start

/* "One change and one parcel make at most one open alert" (issue 8 §2). 001's index also keyed on
   the type and let a change with no parcel repeat; replaced by two:
   - over its whole life, one alert per subject and type: a later detection of the same change, or
     the next scan of a parcel still not started, links to the alert instead of opening another,
     even once it is closed (a closed false positive does not come back every period);
   - among open alerts, one per change and parcel whatever the type. */
DROP INDEX alert_open_unique;
CREATE UNIQUE INDEX alert_subject_unique ON alert (type, subject_key);
CREATE UNIQUE INDEX alert_open_change_parcel ON alert (change_id, parcel_id)
  WHERE status NOT IN ('closed','false_positive') AND change_id IS NOT NULL AND parcel_id IS NOT NULL;
CREATE INDEX alert_county_status_idx ON alert (county_code, status);
CREATE INDEX alert_assignee_idx ON alert (assignee_id) WHERE status NOT IN ('closed','false_positive');
CREATE INDEX alert_due_idx ON alert (due_on) WHERE status IN ('new','assigned','in_field');
CREATE INDEX rs_change_linked_idx ON rs_change (linked_to) WHERE linked_to IS NOT NULL;

-- Every detection (each period's polygon) that fired the rule of an alert: the first one is
-- alert.change_id; later periods' repeats are added here, not as new alerts.
CREATE TABLE alert_change (
  alert_id      bigint NOT NULL REFERENCES alert ON DELETE CASCADE,
  change_id     bigint NOT NULL REFERENCES rs_change,
  overlap_m2    numeric(16,2),
  overlap_share numeric(9,6),
  linked_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, change_id)
);
CREATE INDEX alert_change_change_idx ON alert_change (change_id);

-- Field photos: the file lives outside the database (ONEMAP_PHOTO_DIR, named by its hash); the
-- row keeps the hash, so that a file swapped on disk is detected, and the alert's parcel, so that
-- the photo appears in the parcel's file.
CREATE TABLE alert_photo (
  id          bigserial PRIMARY KEY,
  alert_id    bigint NOT NULL REFERENCES alert,
  parcel_id   bigint REFERENCES parcel,
  county_code char(6),
  sha256      char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type  text NOT NULL CHECK (media_type IN ('image/jpeg','image/png')),
  size_bytes  integer NOT NULL CHECK (size_bytes > 0),
  file_name   text,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alert_id, sha256)
);
CREATE INDEX alert_photo_alert_idx ON alert_photo (alert_id);

-- Routing (issue 8 §3): the inspector who takes a cluster's new alerts. Without a row, a new alert
-- goes to the inspectors whose county scope holds the alert's county, in turn.
CREATE TABLE alert_route (
  cluster_code text PRIMARY KEY REFERENCES cluster,
  county_code  char(6) NOT NULL REFERENCES county,
  user_id      bigint NOT NULL REFERENCES app_user,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every scan: after an upload commit, on schedule, on demand; with what it found.
CREATE TABLE alert_scan (
  id          bigserial PRIMARY KEY,
  trigger     text NOT NULL CHECK (trigger IN ('commit','schedule','demand','start')),
  as_of       date NOT NULL,
  actor       text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  result      jsonb
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['alert_photo','alert_route'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION log_row_change()',
                   t || '_log', t);
  END LOOP;
END $$;

-- The thresholds of the alert rules, city-wide since 1900-01-01; a county overrides any of them
-- with its own row from a date on (DOMAIN.md: every threshold is data, per county, versioned).
INSERT INTO county_rule (county_code, key, value, effective_from, note) VALUES
  (NULL, 'alert_overlap_share', '0.10', '1900-01-01',
   '预警: a change touches a parcel, batch land or the outside of the clusters when that part is at least this share of the change''s area (compared at 6 decimals) …'),
  (NULL, 'alert_overlap_m2', '200', '1900-01-01',
   '… or at least this many m² whatever the share (a large change grazing a parcel); always more than area_tolerance'),
  (NULL, 'alert_activity_change_types', '["new_construction", "earth_moving"]', '1900-01-01',
   '疑似闲置: change types that count as activity on a parcel; with none since the contract and no start, a parcel past its agreed start is suspected idle'),
  (NULL, 'alert_no_change_grace_days', '90', '1900-01-01',
   '疑似闲置: days past the agreed start date before a parcel with no change and no start is reported (one monitoring period)'),
  (NULL, 'change_link_share', '0.5', '1900-01-01',
   '重复图斑: a detection of a later period is the same change as an earlier one when their overlap is at least this share of the smaller polygon'),
  (NULL, 'alert_severity', '{"construction_on_unsupplied": "high", "construction_on_idle": "medium", "no_change_after_start_date": "medium", "demolition_on_producing": "medium", "change_outside_cluster": "low"}', '1900-01-01',
   '预警等级 by alert type'),
  (NULL, 'alert_due_days', '{"high": 7, "medium": 15, "low": 30}', '1900-01-01',
   '核查时限: days from the alert''s creation to its due date, by severity; overdue alerts are escalated to the county''s analyst'),
  (NULL, 'alert_due_soon_days', '3', '1900-01-01',
   '巡查收件箱: an open alert due within this many days is "due soon"'),
  (NULL, 'ubs_ledger_days', '90', '1900-01-01',
   '未供即用 confirmed: days from the confirmation to the deadline of the ledger entry it opens (补办用地手续或依法查处)'),
  (NULL, 'ubs_ledger_unit', '"县（区）自然资源主管部门"', '1900-01-01',
   '未供即用 confirmed: the responsible unit of the ledger entry it opens');
