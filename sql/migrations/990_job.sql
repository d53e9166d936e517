/* Jobs (后台任务) run exactly once across every OneMap process over one database: scheduled jobs
   (the analysis refresh, the alert scan) and queued ones. A process claims a row with
   SELECT … FOR UPDATE SKIP LOCKED and holds it by a lease it renews (lease_until); a job whose
   lease ran out belongs to a process that died, and the next claim takes it over and runs it again
   from the start (attempt + 1). A job's work and its 'done' commit in one transaction that checks
   the claim is still its own (owner, attempt): a process that lost its lease cannot finish it. The
   progress (done/total, phase, a message in Chinese) is written here, so that any process reads it. */
CREATE TABLE job (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]{0,39}$'),
  -- a scheduled job's slot ('alert-scan@2026-12-07T12:40Z'): every process schedules the same slot, one row is made
  dedupe_key   text UNIQUE CHECK (length(dedupe_key) <= 200),
  payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
  state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempt      integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 20),
  -- the process holding the claim (host:pid:random) and until when
  owner        text,
  lease_until  timestamptz,
  phase        text,
  message      text,
  done         integer CHECK (done >= 0),
  total        integer CHECK (total >= 0),
  result       jsonb,
  error        text,
  created_by   bigint REFERENCES app_user ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  heartbeat_at timestamptz,
  finished_at  timestamptz,
  CHECK ((state = 'running') = (owner IS NOT NULL AND lease_until IS NOT NULL)),
  CHECK ((state IN ('done', 'failed')) = (finished_at IS NOT NULL))
);
-- the claim's scan: only the unfinished rows, oldest first
CREATE INDEX job_open ON job (id) WHERE state IN ('queued', 'running');
CREATE INDEX job_created_by ON job (created_by, id) WHERE created_by IS NOT NULL;
COMMENT ON TABLE job IS 'background jobs claimed FOR UPDATE SKIP LOCKED under a renewed lease; progress readable from any process';
