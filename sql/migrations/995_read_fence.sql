-- Read-your-writes with read replicas (server/db/replicas.ts): the WAL position after a user's
-- last write, kept on the primary where every OneMap process reads it. A read for that user
-- routed to a standby waits until the standby has replayed past it, or goes to the primary.
-- UNLOGGED: it makes no WAL of its own (the fence is not to move what it measures) and is not
-- replicated; after a crash of the primary it is empty, which only sends reads to the standby
-- a few seconds early.
CREATE UNLOGGED TABLE read_fence (
  user_id integer PRIMARY KEY,
  lsn pg_lsn NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
