/** Standard land (标准地, §二(四)10, annex 2), its data: a sale with its "3+N+1" indicators (the
 * contract through the contracts repository, in the same transaction), the performance agreement's
 * periods, the contract's file, the lists of where contracts stand and what is overdue, the pilot
 * shares. The workflow of checks, rectification and termination is server/db/workflows/
 * standard-land. County scope in SQL; measured tax and output per mu only for sensitive roles. */
import type { IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { setActor, type Writer } from '../../actor'
import type { ContractsRepo } from '../contracts'
import { HttpError } from '../../../errors'
import { invalidField, landNotFound, versionConflict, versionOrNone, type IfMatch } from '../../../schemas/common'
import type { StandardLandCreate, Terms } from '../../../schemas/standard-land'
import type { Versioned } from '../parcels'
import type { Scope, ReadViewer as Viewer } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const LOCK = sql('lock.sql')
const TERMS_GET = sql('terms-get.sql')
const TERMS_UPSERT = sql('terms-upsert.sql')
const VIEW = sql('view.sql')
const LIST = sql('list.sql')
const OVERDUE = sql('overdue.sql')
const SHARES = sql('shares.sql')

/** The "3" of 3+N+1 (§二(四)10): all three are minimums. */
export const CORE_INDICATORS = ['investment_intensity', 'tax_per_mu', 'plot_ratio'] as const

export const KIND_LABEL = { completion: '竣工验收', production: '达产验收' } as const

export const STANDARD_LAND_MESSAGES = {
  notStandard: (no: string) => `合同 ${no} 不是标准地出让 / contract ${no} is not a standard-land sale`,
  missingCore: (name: string) => `标准地须约定"3+N+1"中的主要控制性指标 ${name} / standard land needs the main indicator ${name} (§二(四)10)`,
  coreDirection: (name: string) => `主要控制性指标 ${name} 应为下限（min）/ the main indicator ${name} is a minimum`,
  terminated: (no: string) => `合同 ${no} 已解除 / contract ${no} is terminated`,
  recommended: (no: string) => `合同 ${no} 整改后复验仍未达标，已建议解除合同、收回土地，不再验收 / contract ${no} failed its re-check: termination is recommended, no further checks`,
  productionFirst: (no: string) => `合同 ${no} 尚未通过竣工验收，不能进行达产验收 / contract ${no} has not passed its completion check yet`,
  alreadyPassed: (no: string, kind: string) => `合同 ${no} 已通过${KIND_LABEL[kind as keyof typeof KIND_LABEL]} / contract ${no} has passed its ${kind} check already`,
  rectifying: (no: string, kind: string) => `合同 ${no} 正在${KIND_LABEL[kind as keyof typeof KIND_LABEL]}整改中，只能复验该项 / contract ${no} is in rectification after its ${kind} check: only its re-check can be recorded`,
  beforeLast: (on: string, last: string) => `检查日期 ${on} 早于上一次检查 ${last} / ${on} is before the last check on ${last}`,
  future: (field: string, on: string, today: string) => `${field} ${on} 晚于今天 ${today} / ${on} is after today (${today})`,
  beforeSigned: (field: string, on: string, signed: string) => `${field} ${on} 早于签订日期 ${signed} / ${on} is before the contract was signed on ${signed}`,
  notMeasured: (name: string) => `缺少指标 ${name} 的实测值 / no measured value of ${name}`,
  notInContract: (name: string) => `合同未约定指标 ${name} / the contract has no indicator ${name}`,
  noIndicators: (kind: string) => `合同没有${KIND_LABEL[kind as keyof typeof KIND_LABEL]}要核查的指标 / the contract has no indicator for a ${kind} check`,
  deadline: (max: string) => `整改期限应晚于检查日期且不超过两年（${max}）/ the rectification deadline must be after the check and at most two years later (${max}), annex 2 art. 12`,
} as const

export interface ListQuery {
  asOf: string
  scope: Scope
  county: string[] | null
  cluster: string[] | null
  status: string[] | null
  overdue: boolean | null
  limit: number
  offset: number
}

/** The contracts repository on the same transaction (a sale of standard land records its contract). */
type Repos = { contracts: ContractsRepo }
type Tx = ITask<Repos> & Repos

export interface Locked {
  id: number; contract_no: string; parcel_id: number; county_code: string; is_standard_land: boolean
  signed_on: string; terminated_on: string | null; version: number; parcel_retired: boolean; today: string
}

export class StandardLandRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  private read<T>(run: (t: ITask<unknown>) => Promise<T>): Promise<T> {
    return this.db.tx('standard-land', async (t) => {
      await t.none('SET LOCAL jit = off')
      return run(t)
    })
  }

  list(q: ListQuery): Promise<string> {
    return this.read((t) => t.one(LIST, q, (r: { page: string }) => r.page))
  }

  overdue(q: Pick<ListQuery, 'asOf' | 'scope' | 'county' | 'cluster'>): Promise<string> {
    return this.read((t) => t.one(OVERDUE, q, (r: { overdue: string }) => r.overdue))
  }

  shares(q: { year: number; from: number; asOf: string; scope: Scope; county: string[] | null; cluster: string[] | null }): Promise<string> {
    return this.read((t) => t.one(SHARES, q, (r: { shares: string }) => r.shares))
  }

  /** The contract's standard-land file at a date, or null when missing, not standard land or out of scope. */
  async view(no: string, asOf: string, viewer: Viewer, conn?: ITask<unknown>): Promise<Versioned | null> {
    const run = (t: ITask<unknown>) => t.oneOrNone(VIEW, { no, asOf, scope: viewer.scope, sensitive: viewer.sensitive })
    const row = conn ? await run(conn) : await this.read(run)
    return row ? { version: row.version, json: row.file } : null
  }

  /** Sells a parcel as standard land: the 3 main indicators are required (minimums), the term is
   * checked by the contracts repository (analysis.standard_land_max_term); the agreement's periods in
   * the same transaction. */
  async create(body: StandardLandCreate, viewer: Viewer, actor: Writer, asOf: string): Promise<Versioned> {
    const { agreement_no, completion_check_by, production_check_by, indicators, major_project, ...fields } = body
    checkSale(body)
    return (this.db as IDatabase<Repos>).tx('standard-land-create', async (tx) => {
      const t = tx as Tx
      await setActor(t, actor, body.note)
      const core = new Set<string>(CORE_INDICATORS)
      await t.contracts.create({
        ...fields, supply_method: 'grant', is_standard_land: true, major_project: major_project ?? false,
        indicators: indicators.map((i) => ({ ...i, is_core: core.has(i.indicator) })),
      }, viewer, actor)
      const c = (await t.one(LOCK, { no: body.contract_no, scope: viewer.scope })) as Locked
      if (agreement_no !== undefined || completion_check_by !== undefined || production_check_by !== undefined) {
        await this.writeTerms(t, c, { agreement_no, completion_check_by, production_check_by })
      }
      return (await this.view(body.contract_no, asOf, viewer, t))!
    })
  }

  /** Sets the agreement's number and periods (If-Match once they exist, like every other edit). */
  async setTerms(no: string, viewer: Viewer, ifMatch: IfMatch | null, body: Terms, actor: Writer, asOf: string): Promise<Versioned> {
    return this.db.tx('standard-land-terms', async (t) => {
      await setActor(t, actor)
      const c = await this.lockStandard(t, no, viewer)
      const cur = await t.oneOrNone(TERMS_GET, { contractId: c.id })
      if (cur && ifMatch === null) throw new HttpError(428, 'precondition_required', '请带上协议期限的版本号（If-Match 头）后再修改 / send If-Match with the version of the agreement\'s periods you edited')
      const expected = versionOrNone(ifMatch, cur?.version)
      if ((cur?.version ?? 0) !== expected) {
        throw versionConflict('履约监管协议 agreement', no, expected, { version: cur?.version ?? 0, state: cur })
      }
      await this.writeTerms(t, c, { ...(cur ?? {}), ...body })
      return (await this.view(no, asOf, viewer, t))!
    })
  }

  private async writeTerms(t: ITask<unknown>, c: Locked, terms: Partial<Terms>): Promise<number> {
    for (const field of ['completion_check_by', 'production_check_by'] as const) {
      const on = terms[field]
      if (on && on < c.signed_on) throw invalidField(field, STANDARD_LAND_MESSAGES.beforeSigned(field, on, c.signed_on))
    }
    if (terms.completion_check_by && terms.production_check_by && terms.production_check_by < terms.completion_check_by) {
      throw invalidField('production_check_by', `达产验收期限早于竣工验收期限 / production_check_by ${terms.production_check_by} is before completion_check_by ${terms.completion_check_by}`)
    }
    const row = await t.one(TERMS_UPSERT, {
      contractId: c.id, parcelId: c.parcel_id, countyCode: c.county_code, agreement_no: terms.agreement_no ?? null,
      completion_check_by: terms.completion_check_by ?? null, production_check_by: terms.production_check_by ?? null,
    })
    return row.version
  }

  /** The standard-land contract locked for a step (404 missing or out of scope; 409 not standard land or retired). */
  async lockStandard(t: ITask<unknown>, no: string, viewer: Viewer): Promise<Locked> {
    const c = (await t.oneOrNone(LOCK, { no, scope: viewer.scope })) as Locked | null
    if (!c) throw landNotFound('contract', no)
    if (!c.is_standard_land) throw new HttpError(409, 'not_standard_land', STANDARD_LAND_MESSAGES.notStandard(no))
    if (c.parcel_retired) throw new HttpError(409, 'retired', `宗地已注销 / the parcel of contract ${no} is retired`)
    return c
  }
}

/** The "3" of 3+N+1 (§二(四)10), checked before anything is written (the "1", the term, by the contracts repository). */
function checkSale(body: StandardLandCreate): void {
  for (const name of CORE_INDICATORS) {
    const i = body.indicators.find((x) => x.indicator === name)
    if (!i) throw invalidField('indicators', STANDARD_LAND_MESSAGES.missingCore(name))
    if (i.direction !== 'min') throw invalidField('indicators', STANDARD_LAND_MESSAGES.coreDirection(name))
  }
}
