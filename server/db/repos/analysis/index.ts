/** Land-status analysis (批而未供, 闲置, 低效, 未供即用, plan conformity): reads of the analysis.*
 * functions, which serve the materialised snapshot when it is for the asked date and compute
 * live otherwise. Every read takes the caller's county scope and applies it in SQL. */
import type { IDatabase, IMain, ITask } from 'pg-promise'
import type { Scope } from '../../viewer'
import { setActor, type Writer } from '../../actor'
import { sqlLoader } from '../../sql'

const sql = sqlLoader(import.meta.url)
const UNSUPPLIED = sql('unsupplied.sql')
const FINDINGS = sql('findings.sql')
const CHANGES = sql('changes.sql')
const SUMMARY = sql('summary.sql')
const PARCEL_CLASSIFICATIONS = sql('parcel-classifications.sql')
const REFRESH = sql('refresh.sql')
const REFRESH_IF_STALE = sql('refresh-if-stale.sql')
const SNAPSHOT = sql('snapshot.sql')
const STORE_PAST = sql('store-past.sql')

/** null: the whole city; else the county codes the caller may see. */

export type Classification = 'idle' | 'inefficient' | 'used_before_supply' | 'conformity'

export interface ListQuery {
  asOf: string
  scope: Scope
  county: string | null
  cluster: string | null
  limit: number
  offset: number
  /** May the caller see enterprise figures (DOMAIN.md "Governance")? Else every reason passes redact_sensitive(). */
  sensitive: boolean
}

export interface FindingsQuery extends ListQuery {
  rule: string | null
  type: number | null
  stage: number | null
  includeSuspended: boolean
}

/** A GeoJSON FeatureCollection page built by PostGIS, with the total count of matches. */
export interface FeaturePage {
  type: 'FeatureCollection'
  as_of: string
  total: number
  limit: number
  offset: number
  features: { type: 'Feature'; id: string | number; geometry: unknown; properties: Record<string, unknown> }[]
}

/** past_to_store: the dates of the summary's past 批而未供 remainders the recompute could not keep
 * (sql/functions/analysis-8b-past.sql), stored by storePast after it. */
export interface RefreshResult { as_of: string; duration_ms: number; findings: number; batches: number; changes: number; past_to_store: string[] }

export interface Snapshot { as_of: string; refreshed_at: string; duration_ms: number; findings: number; batches: number; changes: number; pending: number }

/** Queued rows a deferred-refresh transaction takes at a time: bounded memory and lock time. */
export const PENDING_CHUNK = 20_000

export class AnalysisRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** JIT compiling these plans costs seconds and saves nothing: the work is in PostGIS. */
  private read<T>(run: (t: ITask<unknown>) => Promise<T>): Promise<T> {
    return this.db.tx('analysis', async (t) => {
      await t.none('SET LOCAL jit = off')
      return run(t)
    })
  }

  unsupplied(q: ListQuery & { includeDigested: boolean }): Promise<FeaturePage> {
    return this.read((t) => t.one(UNSUPPLIED, q, (r: { collection: FeaturePage }) => r.collection))
  }

  findings(classification: Classification, q: FindingsQuery): Promise<FeaturePage> {
    return this.read((t) => t.one(FINDINGS, { ...q, classification }, (r: { collection: FeaturePage }) => r.collection))
  }

  usedBeforeSupplyChanges(q: ListQuery): Promise<FeaturePage> {
    return this.read((t) => t.one(CHANGES, q, (r: { collection: FeaturePage }) => r.collection))
  }

  summary(asOf: string, scope: Scope): Promise<Record<string, unknown>> {
    return this.read((t) => t.one(SUMMARY, { asOf, scope }, (r: { summary: Record<string, unknown> }) => r.summary))
  }

  parcelClassifications(code: string, asOf: string, scope: Scope, sensitive: boolean): Promise<{ parcel_id: number; code: string; classifications: unknown[] } | null> {
    return this.read((t) => t.oneOrNone(PARCEL_CLASSIFICATIONS, { code, asOf, scope, sensitive }))
  }

  /** Full recompute (admin). */
  refresh(asOf: string, actor: Writer): Promise<RefreshResult> {
    return this.db.tx('analysis-refresh', async (t) => {
      await setActor(t, actor, `analysis full recompute as of ${asOf}`)
      return t.one(REFRESH, { asOf }, (r: { result: RefreshResult }) => r.result)
    })
  }

  /** The materialised findings answer for one date: at start and by the timer they are moved to
   * today. Null when the snapshot was today's already. */
  refreshIfStale(): Promise<RefreshResult | null> {
    return this.db.one(REFRESH_IF_STALE, [], (r: { result: RefreshResult | null }) => r.result)
  }

  /** The follow-on of a full recompute, in a transaction of its own after the recompute's: the
   * summary's past 批而未供 remainders at the snapshot's dates the recompute could not keep (the
   * summary computes them live until then); returns the rows stored, 0 when none was missing. */
  storePast(): Promise<number> {
    return this.db.tx('analysis-past', async (t) => {
      await t.none(`SET LOCAL jit = off`)
      return t.one(STORE_PAST, [], (r: { n: number }) => r.n)
    })
  }

  /** What start-up and the timer do: the snapshot moved to today when it is older, then whatever
   * deferred writes left queued (a failed or interrupted refresh) worked off, then the past
   * remainders the summary reads stored if any is missing (once a year on a daily refresh; after a
   * code upgrade or a bulk load without triggers). */
  async catchUp(): Promise<{ refreshed: RefreshResult | null; pending: number }> {
    const refreshed = await this.refreshIfStale()
    const pending = await this.processPending()
    await this.storePast()
    return { refreshed, pending }
  }

  /** Refreshes what deferred parcel writes queued (analysis.pending_parcel,
   * sql/migrations/800_bulk_commit.sql), one transaction per chunk, until the queue is empty;
   * returns how many queued rows it took. onChunk hears the running total and what is left. */
  async processPending(onChunk?: (done: number, left: number) => void, chunk = PENDING_CHUNK): Promise<number> {
    let done = 0
    for (;;) {
      const n = await this.db.one('SELECT analysis.process_pending($1) AS n', [chunk], (r: { n: number }) => r.n)
      if (n === 0) return done
      done += n
      onChunk?.(done, await this.pendingCount())
    }
  }

  /** One call of analysis.process_pending: how many queued rows it took (at most `chunk`), and how
   * many are left (a job that refreshes one slice per transaction, on the embedded database). */
  async processPendingOnce(chunk: number): Promise<{ done: number; left: number }> {
    const done = await this.db.one('SELECT analysis.process_pending($1) AS n', [chunk], (r: { n: number }) => r.n)
    return { done, left: await this.pendingCount() }
  }

  pendingCount(): Promise<number> {
    return this.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (r: { n: number }) => r.n)
  }

  snapshot(): Promise<Snapshot | null> {
    return this.db.oneOrNone(SNAPSHOT)
  }
}
