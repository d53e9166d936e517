/** Filtered reads under a time limit: the OGC items and the exports with a CQL2 filter or a bbox
 * run under `SET LOCAL statement_timeout` (config.queryTimeoutMs, ONEMAP_QUERY_TIMEOUT_MS), so a
 * filter too slow for the database (an S_INTERSECTS with a huge polygon, a LIKE over every row)
 * is stopped by PostgreSQL and answered 503 query_timeout with a Chinese message, never a 500 and
 * never a connection held for minutes. */
import { HttpError } from '../errors'

interface Runner { none(query: string, values?: unknown): Promise<null> }

export const queryTimeoutError = (ms: number) => new HttpError(503, 'query_timeout',
  `查询超时（超过 ${ms / 1000} 秒），请缩小范围或简化筛选条件 / the query took longer than ${ms} ms: narrow the bbox or simplify the filter`,
  { timeout_ms: ms })

/** Runs `work` inside the transaction `t` with statement_timeout = `ms` (none: null); PostgreSQL's
 * query_canceled (57014) becomes the 503. */
export async function withQueryTimeout<T>(t: Runner, ms: number | null, work: () => Promise<T>): Promise<T> {
  if (ms === null) return work()
  // an integer from the settings (config.ts bounds it), never from a request
  await t.none(`SET LOCAL statement_timeout = ${Math.trunc(ms)}`)
  try {
    return await work()
  } catch (e) {
    if ((e as { code?: string }).code === '57014') throw queryTimeoutError(ms)
    throw e
  }
}
