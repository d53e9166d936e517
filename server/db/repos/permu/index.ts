/** Per-mu efficiency (亩均税收 perMuTax, 亩均产值; annex 3 art. 14), the enterprise rating (A/B/C/D)
 * and the cluster KPIs of §一(二)4: reads of the analysis.permu_* functions in the caller's counties,
 * shaped as JSON by PostGIS; and the storing of a year's ratings. Enterprise-level reads are for
 * sensitive roles only (the routes say who); aggregates withhold units of too few enterprises from
 * the others. */
import type { IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { actorName, setActor, type Writer } from '../../actor'
import type { Scope } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const SUMMARY = sql('summary.sql')
const ENTERPRISES = sql('enterprises.sql')
const ENTERPRISE = sql('enterprise.sql')
const PARCELS = sql('parcels.sql')
const RATINGS = sql('ratings.sql')
const RATINGS_STORE = sql('ratings-store.sql')
const KPIS = sql('kpis.sql')

/** The years and places a per-mu read is about. */
export interface PerMuQuery {
  year: number
  from: number
  scope: Scope
  county: string[] | null
  cluster: string[] | null
}

export interface RatingsStored { year: number; stored: number; counts: Record<'A' | 'B' | 'C' | 'D', number> }

export class PerMuRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** JIT compiling these plans costs more than running them. */
  private read<T>(run: (t: ITask<unknown>) => Promise<T>): Promise<T> {
    return this.db.tx('permu', async (t) => {
      await t.none('SET LOCAL jit = off')
      return run(t)
    })
  }

  /** City, counties and clusters with trend; `sensitive` decides whether small aggregates are shown. */
  summary(q: PerMuQuery, sensitive: boolean): Promise<string> {
    return this.read((t) => t.one(SUMMARY, { ...q, sensitive }, (r: { summary: string }) => r.summary))
  }

  enterprises(q: PerMuQuery, page: { limit: number; offset: number }): Promise<string> {
    return this.read((t) => t.one(ENTERPRISES, { ...q, ...page }, (r: { page: string }) => r.page))
  }

  /** One land user's years, or null when it has no per-mu figures on land in the caller's counties. */
  async enterprise(creditCode: string, q: Pick<PerMuQuery, 'year' | 'from' | 'scope'>): Promise<string | null> {
    const row = await this.read((t) => t.oneOrNone(ENTERPRISE, { ...q, creditCode }))
    return row?.enterprise ?? null
  }

  parcels(q: PerMuQuery): Promise<string> {
    return this.read((t) => t.one(PARCELS, q, (r: { parcels: string }) => r.parcels))
  }

  ratings(q: PerMuQuery): Promise<string> {
    return this.read((t) => t.one(RATINGS, q, (r: { ratings: string }) => r.ratings))
  }

  /** Stores a year's ratings (the annual evaluation) for the land users in the scope. */
  storeRatings(year: number, scope: Scope, actor: Writer): Promise<RatingsStored> {
    return this.db.tx('ratings-store', async (t) => {
      await t.none('SET LOCAL jit = off')
      await setActor(t, actor, `enterprise rating ${year}`)
      return t.one(RATINGS_STORE, { year, scope, actor: actorName(actor) }, (r: { result: RatingsStored }) => r.result)
    })
  }

  kpis(q: PerMuQuery): Promise<string> {
    return this.read((t) => t.one(KPIS, q, (r: { kpis: string }) => r.kpis))
  }
}
