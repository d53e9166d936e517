/** The one redaction of sensitive values (DOMAIN.md "Governance": enterprise tax, output and price
 * reach only app.config.sensitiveRoles) is SQL's redact_sensitive() (sql/functions/
 * land-1-sensitive.sql), keyed by sensitive_keys(). Queries call it where they build their answer;
 * a value built outside SQL (a report computed for a regeneration, a record held for a conflict
 * answer) goes through it here, never through a second copy of its rules. */
import type { IBaseProtocol } from 'pg-promise'

export async function redacted<T>(conn: IBaseProtocol<unknown>, value: T, shown: boolean): Promise<T> {
  if (shown) return value
  return conn.one('SELECT redact_sensitive($1::jsonb) AS v', [JSON.stringify(value)], (r: { v: T }) => r.v)
}
