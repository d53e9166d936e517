-- 批而未供 remainders at the earlier dates the progress figures measure against (DOMAIN.md 批而未供;
-- seed §一(二)1–2): the stock at the baseline date (the unsupplied_baseline_date rule) and at the
-- end of the year before (the 30%-a-year target). Stored per batch by the full recompute for the
-- dates its snapshot date needs, and kept fresh by every keyed refresh of a batch
-- (sql/functions/analysis-8b-past.sql), so that the dashboard summary does not overlay those
-- batches again at every request. A date not listed in unsupplied_past_date is computed live.
CREATE TABLE analysis.unsupplied_past_date (
  since date PRIMARY KEY,
  stored_for date NOT NULL
);
COMMENT ON TABLE analysis.unsupplied_past_date IS
  'the earlier dates whose 批而未供 remainders analysis.unsupplied_past holds for every batch approved by then, and the snapshot date they were stored for';

CREATE TABLE analysis.unsupplied_past (
  batch_id     bigint NOT NULL,
  since        date NOT NULL,
  remainder_m2 numeric(16,2) NOT NULL,
  PRIMARY KEY (batch_id, since)
);
COMMENT ON TABLE analysis.unsupplied_past IS
  '批而未供 remainder of a batch at an earlier date (analysis.unsupplied(since) as the live computation gives it), for the dates of analysis.unsupplied_past_date';
