/** Which tables changed since the last look, for tests that prove a request wrote nothing.
 *
 * A table's content is its row count and the sum of its rows' hashes (hashtextextended of the
 * row's text): a row rewritten with the same values is no change. Every table (those left out
 * aside) gets statement-level triggers that add what each statement did to that sum to a log of
 * their own schema — the rows it inserted count +1 and +hash, the rows it deleted −1 and −hash, an
 * update both for the old and the new rows — and a truncation is noted as a change outright. The
 * log is part of the writing transaction: a write rolled back leaves nothing, nor does a statement
 * that matched no row (which, as before the triggers, assigns no transaction id). A look reads and
 * clears the log; a table whose count or sum moved changed.
 *
 * It gives the answer of comparing every table's count and sum of hashes before and after, without
 * reading a table: that reading, after every write, took most of the hostile-input test's time. */
import type { Db } from '../db/pgp'

const SCHEMA = 'write_watch'

/** A row as its hash sees it: a session's idle clock (user_session.last_seen_at, restarted by the
 * requests themselves: ONEMAP_IDLE_MINUTES) is no change of content. */
const ROW_TEXT: Record<string, string> = {
  'public.user_session': '(x.token_hash, x.user_id, x.created_at, x.expires_at, x.stage, x.address)::text',
}
/** The trigger functions for one way of reading a row (`variant` names it). */
function functions(variant: string, text: string): string {
  const add = (rows: string, sign: '+' | '-') => `SELECT ${sign}count(*), ${sign}coalesce(sum(hashtextextended(${text}, 0)), 0) FROM ${rows} x`
  const note = (select: string) => `
      INSERT INTO ${SCHEMA}.written (tbl, rows, hashes)
        SELECT format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), d.n, d.h FROM (${select}) d (n, h) WHERE d.n <> 0 OR d.h <> 0;`
  const fn = (name: string, body: string) => `
    CREATE FUNCTION ${SCHEMA}.${name}_${variant}() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN${body}
      RETURN NULL;
    END $f$;`
  return [
    fn('inserted', note(add('new_rows', '+'))),
    fn('deleted', note(add('old_rows', '-'))),
    // the old rows' part and the new rows' part in one line: a rewrite with the same values nets zero
    fn('updated', note(`SELECT sum(n), sum(h) FROM (${add('new_rows', '+')} UNION ALL ${add('old_rows', '-')}) p (n, h)`)),
  ].join('\n')
}

export class WriteWatch {
  private constructor(private readonly db: Db, readonly tables: string[]) {}

  /** Puts the triggers on every table but `except` (schema-qualified, e.g. 'public.security_event'). */
  static async install(db: Db, except: string[] = []): Promise<WriteWatch> {
    await db.none(`
      CREATE SCHEMA ${SCHEMA};
      CREATE UNLOGGED TABLE ${SCHEMA}.written (tbl text NOT NULL, rows bigint NOT NULL, hashes numeric NOT NULL, truncated boolean NOT NULL DEFAULT false);
      CREATE FUNCTION ${SCHEMA}.truncated() RETURNS trigger LANGUAGE plpgsql AS $f$
      BEGIN
        INSERT INTO ${SCHEMA}.written VALUES (format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), 0, 0, true);
        RETURN NULL;
      END $f$;
      ${functions('row', 'x::text')}
      ${Object.values(ROW_TEXT).map((text, i) => functions(`special${i}`, text)).join('\n')}`)
    const tables: string[] = await db.map(
      `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', $1) ORDER BY 1`, [SCHEMA], (r: { t: string }) => r.t)
    const watched = tables.filter((tb) => !except.includes(tb))
    const special = Object.keys(ROW_TEXT)
    // one event per trigger: PostgreSQL allows no more to a trigger with transition tables
    await db.none(watched.map((tb) => {
      const variant = special.includes(tb) ? `special${special.indexOf(tb)}` : 'row'
      return `
      CREATE TRIGGER zz_write_watch_i AFTER INSERT ON ${tb} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.inserted_${variant}();
      CREATE TRIGGER zz_write_watch_u AFTER UPDATE ON ${tb} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.updated_${variant}();
      CREATE TRIGGER zz_write_watch_d AFTER DELETE ON ${tb} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.deleted_${variant}();
      CREATE TRIGGER zz_write_watch_t AFTER TRUNCATE ON ${tb} FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.truncated();`
    }).join('\n'))
    return new WriteWatch(db, watched)
  }

  /** The tables whose content changed since the last call (or the install), by name. */
  async changed(): Promise<string[]> {
    return this.db.map(`
      WITH d AS (DELETE FROM ${SCHEMA}.written RETURNING *)
      SELECT tbl FROM d GROUP BY tbl HAVING sum(rows) <> 0 OR sum(hashes) <> 0 OR bool_or(truncated) ORDER BY tbl`, [], (r: { tbl: string }) => r.tbl)
  }

}
