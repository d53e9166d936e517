/** Who the writes of a transaction are by: read by the event-log trigger (一地一档), and whether
 * they may write sensitive values: read by the write guard (guard_sensitive_write(),
 * sql/functions/land-1-sensitive.sql). A system writer (a string: the scheduler, the import CLI,
 * the demo loader) is trusted with every value; a user named only by a 'user:<name>' string is
 * not (fail closed): a request's writes pass request.viewer, which says what its user may write. */
import type { ITask } from 'pg-promise'
import { HttpError } from '../errors'
import { LAND_MESSAGES } from '../schemas/common'
import type { Viewer } from './viewer'

export type Writer = Viewer | string

/** The event-log name of a writer: 'user:<name>', or the system writer's own string. */
export function actorName(writer: Writer): string {
  return typeof writer === 'string' ? writer : writer.actor ?? 'anonymous'
}

export async function setActor(t: ITask<unknown>, writer: Writer, note?: string): Promise<void> {
  const actor = actorName(writer)
  const sensitive = (typeof writer === 'string' ? !writer.startsWith('user:') : writer.sensitive) ? 'on' : 'off'
  await t.one("SELECT set_config('onemap.actor', $1, true), set_config('onemap.note', $2, true), set_config('onemap.sensitive', $3, true)",
    [actor, note ?? '', sensitive])
}

export const userActor = (user: { username: string }) => `user:${user.username}`

/** The one write guard for sensitive values (guard_sensitive_write() in SQL): refuses, with a 403
 * naming the field, a value that carries price, tax, output… (or measured.<key>) when the writer
 * setActor() named in this transaction may not see them. Nulls of a new record write nothing:
 * pass `{ dropNulls: true }` for a create. */
export async function guardSensitiveWrite(t: ITask<unknown>, value: object, o: { dropNulls?: boolean } = {}): Promise<void> {
  const v = o.dropNulls ? Object.fromEntries(Object.entries(value).filter(([, x]) => x !== null && x !== undefined)) : value
  try {
    await t.one('SELECT guard_sensitive_write($1::jsonb)', [JSON.stringify(v)])
  } catch (e) {
    const err = e as { code?: string; detail?: string }
    if (err.code === '42501' && err.detail) {
      throw new HttpError(403, 'forbidden', LAND_MESSAGES.sensitiveField(err.detail), { field: err.detail })
    }
    throw e
  }
}
