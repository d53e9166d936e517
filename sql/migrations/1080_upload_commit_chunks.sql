/* The chunked commit of a large parcel upload (README "The embedded database and concurrent
   users"): on the embedded database (one session) a 50 000-parcel commit in one transaction holds
   every read for ~6 s, so it is written in chunks, each a job of its own that commits its slice and
   queues the next (server/ingest/uploads.ts commitStep). The upload stays all-or-nothing: before a
   chunk writes, it keeps here, exactly, every parcel row it may overwrite (the geometry as its own
   column, bit for bit; the other columns as the row's jsonb, which round-trips them) and the codes
   it inserts (old NULL). When the commit ends failed (a chunk's error, a staging lost, a process
   that died at the job's last attempt), upload_undo_commit() puts them back in the same
   transaction that records the failure (sql/functions/uploads-2-jobs.sql); the last chunk drops
   them. An unchunked commit keeps nothing here (one transaction: PostgreSQL undoes it). */
CREATE TABLE upload_commit_undo (
  upload_id  uuid NOT NULL REFERENCES upload ON DELETE CASCADE,
  code       text NOT NULL,
  old        jsonb,      -- the parcel row before the upload, without geom; NULL: the upload inserted it
  old_geom   geometry,
  PRIMARY KEY (upload_id, code)
);
COMMENT ON TABLE upload_commit_undo IS
  'parcel rows a chunked upload commit overwrote or inserted, kept until its last chunk: a failure half-way puts them back (upload_undo_commit)';
