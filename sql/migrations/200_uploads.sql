/* Uploads (issue 3): a file is staged, checked and shown before anything reaches the live land
   tables; the commit then writes it in one transaction (一地一档: the event-log trigger keeps every
   old value, with the upload named in the note). */

-- 权利人 as the survey file states it. The land user of record is the supply contract's
-- enterprise; a parcel survey names its holder in free text, which is kept rather than dropped.
ALTER TABLE parcel ADD COLUMN owner_name text;

CREATE TABLE upload (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  layer         text NOT NULL CHECK (layer IN ('parcels','batches','contracts','plan_zones','clusters','changes')),
  file_name     text NOT NULL,
  file_sha256   char(64) NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
  status        text NOT NULL DEFAULT 'receiving'
                CHECK (status IN ('receiving','validating','ready','committing','committed','discarded','failed')),
  phase         text,
  percent       real NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
  options       jsonb NOT NULL DEFAULT '{}',   -- crs, encoding, mapping as asked
  description   jsonb,                         -- what the reader decided: sources, encoding, CRS, fields
  report        jsonb,                         -- the validation report
  created_by    text NOT NULL,
  county_scope  char(6)[],                     -- the uploader's scope; NULL: the whole city
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  committed_at  timestamptz,
  committed_by  text,
  result        jsonb,                         -- {inserted, updated, unchanged}
  error         jsonb,                         -- {code, message} when failed
  CHECK ((status = 'committed') = (committed_at IS NOT NULL))
);
CREATE INDEX upload_created_idx ON upload (created_at DESC);
CREATE INDEX upload_sha_idx ON upload (file_sha256);
COMMENT ON TABLE upload IS 'one uploaded file: staged, validated, then committed or discarded';

/* The staged features. UNLOGGED: staging is scratch that the file can always reproduce, and
   skipping the WAL halves the cost of loading it. After a PostgreSQL crash an unlogged table is
   emptied, so the commit checks that the staged count still matches the report before it writes. */
CREATE UNLOGGED TABLE upload_feature (
  upload_id     uuid NOT NULL REFERENCES upload ON DELETE CASCADE,
  idx           integer NOT NULL,              -- 0-based over the whole upload
  source        text NOT NULL,                 -- shapefile (zip member) or GeoJSON file
  source_index  integer NOT NULL,              -- record number inside that source
  src_geom      geometry,                      -- as read, in the source SRID
  valid_reason  text,                          -- ST_IsValidReason of src_geom when it is not valid
  geom          geometry(MultiPolygon, 4490),  -- transformed to CGCS2000, repaired when needed
  area_m2       double precision,              -- ellipsoidal, of geom
  key           text,                          -- the layer's business key (parcel code, approval no…)
  county_code   char(6),                       -- mapped, else from the cluster it lies in
  cluster_code  text,                          -- from the cluster it overlaps most
  values        jsonb NOT NULL,                -- mapped, typed values
  raw           jsonb NOT NULL,                -- the original attributes under their own names
  issues        jsonb NOT NULL DEFAULT '[]',   -- found while reading (null shapes, bad values)
  PRIMARY KEY (upload_id, idx)
);
-- No spatial index: every check reads an upload's features whole (the live tables' indexes do
-- the spatial lookups), and keeping one up to date doubled the cost of staging.

/* One row per problem found: reading problems, mapping problems and the set-based checks of the
   validation. level error: the feature is rejected (the commit refuses while any remain, unless
   asked to skip them); warning: committed only once the user accepts the warnings. */
CREATE UNLOGGED TABLE upload_issue (
  upload_id  uuid NOT NULL REFERENCES upload ON DELETE CASCADE,
  idx        integer NOT NULL,
  level      text NOT NULL CHECK (level IN ('error','warning')),
  code       text NOT NULL,
  message    text NOT NULL,
  detail     jsonb
);
CREATE INDEX upload_issue_idx ON upload_issue (upload_id, idx);
