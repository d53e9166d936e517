/* Governance (§四(三) "季度通报、半年约谈、年度考评", §二(三)9 增存挂钩, §四(四) 公开): the targets,
   weights, coefficients and publication settings as city-wide county rules in force since
   1900-01-01, and the store of every generated report and disclosure snapshot. The computations
   are the STABLE functions of sql/functions/governance-*.sql; this file only stores.

   Reproducibility: each report row keeps what it was generated from (period, as_of, scope,
   parameters), the county_rule ids in force at as_of, the data version (max(event_log.id) seen)
   and the JSON result as first produced. Rows are never changed or deleted: a report, and above
   all a public disclosure, stays retrievable exactly as it was issued. */

CREATE SCHEMA IF NOT EXISTS governance;

INSERT INTO county_rule (county_code, key, value, effective_from, note) VALUES
  (NULL, 'idle_disposal_yearly_target', '0.40', '1900-01-01',
   '闲置土地: share of the idle stock at the start of a year to dispose of in that year, 2021–2023 (§一(二)2 "闲置和低效用地的40%"; §二(三)8)'),
  (NULL, 'inefficient_disposal_yearly_target', '0.40', '1900-01-01',
   '低效用地: share of the inefficient stock at the start of a year to dispose of in that year, 2021–2023 (§一(二)2)'),
  -- Score of a county or cluster = Σ weight × min(value / target, cap) × 100 / Σ weight over the
  -- indicators that apply (an indicator with nothing to measure — no stock, no alert — is left out
  -- and named). pro_rata: yearly targets scaled to the part of the year gone (H1: half).
  (NULL, 'governance_ranking', '{
     "weights": {"unsupplied_yearly": 25, "old_stock": 15, "idle_disposal": 15, "inefficient_disposal": 15,
                 "standard_land": 10, "per_mu_tax": 10, "alert_handling": 5, "ledger_on_time": 5},
     "cap": 1,
     "pro_rata": true
   }', '1900-01-01',
   '半年评比 §四(三)：指标权重、单项得分上限、年度目标是否按时间进度折算 / half-yearly ranking: indicator weights, cap of value/target, pro-rata yearly targets'),
  (NULL, 'governance_evaluation', '{
     "weights": {"unsupplied_yearly": 25, "old_stock": 15, "idle_disposal": 15, "inefficient_disposal": 15,
                 "standard_land": 10, "per_mu_tax": 10, "alert_handling": 5, "ledger_on_time": 5},
     "cap": 1,
     "interview_below": 60,
     "interview_bottom": 0,
     "grades": [
       {"min": 90, "grade": "优秀", "reward": true, "penalty": false,
        "consequence": "通报表扬；新增建设用地指标奖励，优先支持调区扩区（低效用地再开发实施细则 第十二条）"},
       {"min": 60, "grade": "合格", "reward": false, "penalty": false, "consequence": "无"},
       {"min": 0, "grade": "不合格", "reward": false, "penalty": true,
        "consequence": "约谈；核减新增建设用地指标，暂停新增建设用地审批（低效用地再开发实施细则 第十二条）"}
     ]
   }', '1900-01-01',
   '年度考评 §四(三)：指标权重、约谈线（得分低于 interview_below，或排名末 interview_bottom 位）、等次与奖惩 / annual evaluation: weights, interview threshold, grades with their consequences'),
  -- quota(cluster, Y+1) = max(floor_mu, (base + k_unsupplied × 批而未供消化(Y) + k_idle × 闲置处置(Y)) × f),
  -- f = 1 − penalty_share when a target named in penalty_when_missed was missed in Y, else 1.
  (NULL, 'governance_quota', '{
     "k_unsupplied": 0.5,
     "k_idle": 0.5,
     "penalty_share": 0.2,
     "penalty_when_missed": ["unsupplied_yearly", "idle_disposal"],
     "floor_mu": 0
   }', '1900-01-01',
   '增存挂钩 §二(三)9：新增建设用地计划指标与批而未供消化、闲置处置挂钩的系数（假设，见 README）/ quota coefficients (an assumption, see README)'),
  (NULL, 'quota_base_mu', '{"default": 0}', '1900-01-01',
   '增存挂钩：各集聚区新增建设用地计划指标基数（亩），按集聚区代码，"default" 为其余 / base new construction-land quota per cluster code, mu'),
  (NULL, 'disclosure_publish', '{"unsupplied": true, "idle": true, "inefficient": true}', '1900-01-01',
   '信息公开 §四(四)：按类别公开批而未供、闲置、低效用地；县区可用本县行覆盖某一类 / which classes are published (a county row overrides a class)');

CREATE TABLE governance.report (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('quarterly','ranking','evaluation','quota','disclosure')),
  period        text NOT NULL,                -- 2024Q2, 2024H1, 2024 (evaluation, quota: the disposal year), or the disclosure date
  as_of         date NOT NULL,
  scope         text[],                       -- the counties covered; NULL: the whole city
  params        jsonb NOT NULL,               -- what the generator was called with (enough to regenerate)
  rule_versions jsonb NOT NULL,               -- [{key, rule_id, county_code, effective_from}] in force at as_of
  data_version  bigint NOT NULL,              -- max(event_log.id) visible when generated
  result        jsonb NOT NULL,
  digest        text NOT NULL,                -- md5 of result::text, to compare at a glance
  generated_at  timestamptz NOT NULL DEFAULT now(),
  generated_by  text NOT NULL,
  duration_ms   integer NOT NULL
);
CREATE INDEX report_kind_period_idx ON governance.report (kind, period, id);
COMMENT ON TABLE governance.report IS 'every generated governance report and disclosure snapshot, as first produced, with what it was generated from; append-only';

-- One row per published item of a disclosure snapshot (§四(四)): only what may be public, with the
-- shape drawn on the public map. Enterprise tax, output, price and personal data have no column here.
CREATE TABLE governance.disclosure_item (
  report_id        bigint NOT NULL REFERENCES governance.report,
  seq              integer NOT NULL,
  class            text NOT NULL CHECK (class IN ('unsupplied','idle','inefficient')),
  ref              text NOT NULL,             -- 宗地编号, or the 批准文号 of a batch
  detail           text,                      -- idle stage, inefficient types
  county_code      char(6) NOT NULL,
  county_name      text NOT NULL,
  cluster_code     text,
  cluster_name     text,
  area_m2          numeric(16,2) NOT NULL,
  area_mu          numeric(20,6) NOT NULL,
  since            date,
  responsible_unit text NOT NULL,
  geom             geometry(MultiPolygon, 4490) NOT NULL,
  PRIMARY KEY (report_id, seq)
);
CREATE INDEX disclosure_item_geom_gix ON governance.disclosure_item USING gist (geom);

CREATE FUNCTION governance.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: a report or disclosure, once issued, is never changed (% refused)', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER report_append_only BEFORE UPDATE OR DELETE ON governance.report
  FOR EACH ROW EXECUTE FUNCTION governance.append_only();
CREATE TRIGGER disclosure_item_append_only BEFORE UPDATE OR DELETE ON governance.disclosure_item
  FOR EACH ROW EXECUTE FUNCTION governance.append_only();
