/* What the administrator's writes need beyond the land model (issue: administration without a
   database client): the document number (文号) of an official flag and of its clearing (annex 3
   art. 2(1), 2(6): flags are set by an official act); a lease's area and document (annex 3 art. 14);
   and the old credit codes of merged enterprise records, kept as aliases (一地一档: nothing is
   overwritten without the old value kept). */

ALTER TABLE parcel_flag
  ADD COLUMN doc_no          text CHECK (doc_no IS NULL OR btrim(doc_no) <> ''),
  ADD COLUMN cleared_doc_no  text,
  ADD COLUMN cleared_reason  text,
  ADD COLUMN cleared_by      text;

ALTER TABLE lease
  ADD COLUMN area_m2    double precision CHECK (area_m2 IS NULL OR area_m2 > 0),
  ADD COLUMN doc_no     text,
  ADD COLUMN note       text,
  ADD COLUMN version    integer NOT NULL DEFAULT 1,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- An enterprise recorded twice (two codes for one company): the merged-away code points at the
-- surviving record; lookups by the old code still find the company.
CREATE TABLE enterprise_alias (
  alias_code  char(18) PRIMARY KEY,
  credit_code char(18) NOT NULL REFERENCES enterprise,
  name        text NOT NULL,
  merged_on   date NOT NULL,
  merged_by   text NOT NULL,
  note        text
);
CREATE INDEX enterprise_alias_code_idx ON enterprise_alias (credit_code);
CREATE TRIGGER enterprise_alias_log AFTER INSERT OR UPDATE OR DELETE ON enterprise_alias
  FOR EACH ROW EXECUTE FUNCTION log_row_change();
