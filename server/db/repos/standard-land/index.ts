/** Standard land (标准地, §二(四)10, annex 2) from sale to acceptance, rectification or termination:
 * a sale with its "3+N+1" indicators (the contract through the contracts repository, in the same
 * transaction), the performance agreement's periods, completion and production checks judged per
 * indicator, the rectification of at most two years a failure opens, the termination a failed
 * re-check recommends — each in the parcel's file (event log) and its disposal ledger. County scope
 * in SQL; measured tax and output per mu only for sensitive roles. */
import type { IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { guardSensitiveWrite, setActor, type Writer } from '../../actor'
import type { ContractsRepo } from '../contracts'
import { HttpError } from '../../../errors'
import { invalidField, landNotFound, versionConflict, versionOrNone, type IfMatch } from '../../../schemas/common'
import type { CheckCreate, StandardLandCreate, Terms, Termination } from '../../../schemas/standard-land'
import type { Versioned } from '../parcels'
import type { Scope, ReadViewer as Viewer } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const LOCK = sql('lock.sql')
const STATE = sql('state.sql')
const PERMU_FILL = sql('permu-fill.sql')
const EVALUATE = sql('evaluate.sql')
const EVENT_INSERT = sql('event-insert.sql')
const CHECK_INSERT = sql('check-insert.sql')
const RECT_OPEN = sql('rect-open.sql')
const RECT_CLOSE = sql('rect-close.sql')
const LEDGER_ADD = sql('ledger-add.sql')
const LEDGER_COMPLETE = sql('ledger-complete.sql')
const TRANSITIONS = sql('transitions.sql')
const CHECK_DATES = sql('check-dates.sql')
const TERMS_GET = sql('terms-get.sql')
const TERMS_UPSERT = sql('terms-upsert.sql')
const TERMINATE = sql('terminate.sql')
const VIEW = sql('view.sql')
const LIST = sql('list.sql')
const OVERDUE = sql('overdue.sql')
const SHARES = sql('shares.sql')

/** The "3" of 3+N+1 (§二(四)10): all three are minimums. */
export const CORE_INDICATORS = ['investment_intensity', 'tax_per_mu', 'plot_ratio'] as const

/** Per-mu values a production check may take from the yearly figures (annex 3 art. 14). */
const FROM_PERMU = { tax_per_mu: 'tax_per_mu', output_per_mu: 'output_per_mu' } as const

const KIND_LABEL = { completion: '竣工验收', production: '达产验收' } as const

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

interface Locked {
  id: number; contract_no: string; parcel_id: number; county_code: string; is_standard_land: boolean
  signed_on: string; terminated_on: string | null; version: number; parcel_retired: boolean; today: string
}

interface Evaluation {
  results: { indicator: string; unit: string; direction: 'min' | 'max'; agreed: number; pass: boolean | null; is_core: boolean }[]
  failed: string[]; missing: string[]; unknown: string[]; covered: number; passed: boolean
}

/** A row of the workflow's table (analysis.standard_land_transitions(), sql/functions/standard-land-4-workflow.sql). */
export interface StandardLandTransition {
  status: string
  step: 'check' | 'terminate'
  kind: 'completion' | 'production' | null
  rectifying: 'completion' | 'production' | null
  outcome: 'passed' | 'failed' | null
  to_status: string | null
  effect: 'open_rectification' | 'close_rectification' | 'recommend_termination' | 'complete_termination' | null
  refused: 'completion_first' | 'already_passed' | 'rectifying' | 'termination_recommended' | 'terminated' | null
  basis: string
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

  /** The workflow's table: from each status, which step leads where and what it opens or closes, or why it is refused. */
  transitions(conn: ITask<unknown> | IDatabase<unknown> = this.db): Promise<StandardLandTransition[]> {
    return conn.any(TRANSITIONS)
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

  /** Records a completion or production check (annex 2 art. 12): per indicator pass or fail; a
   * failure opens a rectification of at most two years (ledger: 限期整改); the re-check closes it,
   * and a failed re-check recommends terminating the contract and recovering the land (ledger: 收回). */
  async recordCheck(no: string, viewer: Viewer, body: CheckCreate, actor: Writer, username: string): Promise<Versioned> {
    return this.db.tx('standard-land-check', async (t) => {
      await setActor(t, actor, body.note)
      const c = await this.lockStandard(t, no, viewer)
      if (c.terminated_on) throw new HttpError(409, 'terminated', STANDARD_LAND_MESSAGES.terminated(no))
      const on = body.checked_on
      if (on > c.today) throw invalidField('checked_on', STANDARD_LAND_MESSAGES.future('checked_on', on, c.today))
      if (on < c.signed_on) throw invalidField('checked_on', STANDARD_LAND_MESSAGES.beforeSigned('checked_on', on, c.signed_on))
      await guardSensitiveWrite(t, { measured: body.measured })

      const st = await t.one(STATE, { id: c.id, on })
      if (st.last_checked_on && on < st.last_checked_on) {
        throw invalidField('checked_on', STANDARD_LAND_MESSAGES.beforeLast(on, st.last_checked_on))
      }
      // the workflow's table: the rows of this status for a check of this kind (one refusal, or one per outcome)
      const rows = (await this.transitions(t)).filter((r) => r.step === 'check' && r.status === st.status && r.kind === body.kind &&
        (r.rectifying === null || r.rectifying === st.rect_kind))
      const refused = rows.find((r) => r.refused !== null)?.refused
      if (refused) {
        const message = {
          termination_recommended: STANDARD_LAND_MESSAGES.recommended(no), terminated: STANDARD_LAND_MESSAGES.terminated(no),
          rectifying: STANDARD_LAND_MESSAGES.rectifying(no, st.rect_kind), completion_first: STANDARD_LAND_MESSAGES.productionFirst(no),
          already_passed: STANDARD_LAND_MESSAGES.alreadyPassed(no, body.kind),
        }[refused]
        throw new HttpError(409, refused, message)
      }

      // annex 3 art. 14: what a production check did not measure of tax and output per mu, the
      // yearly figures of the last whole year give
      const measured: Record<string, number> = { ...body.measured }
      const source: Record<string, { source: 'permu'; year: number }> = {}
      if (body.kind === 'production') {
        const year = Number(on.slice(0, 4)) - 1
        const permu = await t.oneOrNone(PERMU_FILL, { parcelId: c.parcel_id, year })
        for (const [key, column] of Object.entries(FROM_PERMU)) {
          const value = permu?.[column]
          if (measured[key] === undefined && value !== null && value !== undefined) {
            measured[key] = Number(value)
            source[key] = { source: 'permu', year }
          }
        }
      }

      const e: Evaluation = (await t.one(EVALUATE, { id: c.id, kind: body.kind, measured: JSON.stringify(measured), on })).e
      if (e.unknown.length) throw invalidField(`measured.${e.unknown[0]}`, STANDARD_LAND_MESSAGES.notInContract(e.unknown[0]!))
      if (e.covered === 0) throw invalidField('kind', STANDARD_LAND_MESSAGES.noIndicators(body.kind))
      if (e.missing.length) throw invalidField(`measured.${e.missing[0]}`, STANDARD_LAND_MESSAGES.notMeasured(e.missing[0]!))

      const label = KIND_LABEL[body.kind]
      const failedText = e.results.filter((r) => r.pass === false)
        .map((r) => `${r.indicator}（约定 ${r.direction === 'min' ? '≥' : '≤'} ${r.agreed} ${r.unit}）`).join('、')
      const eventNote = e.passed ? `标准地${label}通过` : `标准地${label}未通过：${failedText}`
      const event = await t.one(EVENT_INSERT, {
        parcelId: c.parcel_id, countyCode: c.county_code, on, measured: JSON.stringify(measured), recordedBy: username,
        kind: e.passed ? (body.kind === 'completion' ? 'completion_acceptance' : 'production_acceptance') : 'inspection',
        note: body.note ? `${eventNote}；${body.note}` : eventNote,
      })
      const check = await t.one(CHECK_INSERT, {
        contractId: c.id, parcelId: c.parcel_id, countyCode: c.county_code, kind: body.kind, on, recheckOf: st.rect_id,
        measured: JSON.stringify(measured), measuredSource: Object.keys(source).length ? JSON.stringify(source) : null,
        results: JSON.stringify(e.results), failed: e.failed, passed: e.passed, eventId: event.id,
        note: body.note ?? null, recordedBy: username,
      })

      const ledger = (measure: string, cause: string, deadline: string, responsibleUnit: string, progress: string | null) =>
        t.one(LEDGER_ADD, { parcelId: c.parcel_id, countyCode: c.county_code, measure, cause, deadline, responsibleUnit, progress })
          .then((r: { id: number }) => r.id)
      const dates = (): Promise<{ max_deadline: string; deadline: string; termination_due: string }> =>
        t.one(CHECK_DATES, { county: c.county_code, on })

      const effect = rows.find((r) => r.outcome === (e.passed ? 'passed' : 'failed'))!.effect
      if (effect === 'open_rectification') {
        // annex 2 art. 12: 给予最长不超过两年的整改期
        const d = await dates()
        const max = d.max_deadline
        const deadline = body.rectification_deadline ?? d.deadline
        if (deadline <= on || deadline > max) throw invalidField('rectification_deadline', STANDARD_LAND_MESSAGES.deadline(max))
        const ledgerId = await ledger('限期整改',
          `标准地${label}未通过（检查 #${check.id}）：${failedText}；按《履约监管协议》追究违约责任并限期整改（附件2第十二条）`,
          deadline, body.responsible_unit ?? '产业集聚区管理机构', null)
        await t.one(RECT_OPEN, {
          contractId: c.id, parcelId: c.parcel_id, countyCode: c.county_code, kind: body.kind, checkId: check.id, on, deadline, ledgerId,
        })
      } else if (effect === 'close_rectification' || effect === 'recommend_termination') {
        let terminationLedgerId: number | null = null
        if (effect === 'close_rectification') {
          await t.one(LEDGER_COMPLETE, { id: st.rect_ledger_id, on, progress: `整改后复验通过（检查 #${check.id}）` })
        } else {
          await t.one(LEDGER_COMPLETE, { id: st.rect_ledger_id, on, progress: `整改后复验仍未通过（检查 #${check.id}）` })
          terminationLedgerId = await ledger('收回',
            `标准地整改后${label}复验仍未达标（检查 #${check.id}）：${failedText}；建议依法定程序报批后解除出让合同、收回土地（附件2第十二条）`,
            (await dates()).termination_due, '自然资源和规划部门', null)
        }
        await t.one(RECT_CLOSE, {
          id: st.rect_id, recheckId: check.id, outcome: e.passed ? 'passed' : 'failed', on, terminationLedgerId,
        })
      }
      return (await this.view(no, c.today, viewer, t))!
    })
  }

  /** Records the termination of a standard-land contract and the recovery of its parcel; completes
   * the ledger entry of a recommended termination. */
  async terminate(no: string, viewer: Viewer, body: Termination, actor: Writer): Promise<Versioned> {
    return this.db.tx('standard-land-terminate', async (t) => {
      await setActor(t, actor, body.note ?? '解除标准地出让合同，收回土地')
      const c = await this.lockStandard(t, no, viewer)
      if (c.terminated_on) throw new HttpError(409, 'terminated', STANDARD_LAND_MESSAGES.terminated(no))
      const on = body.terminated_on
      if (on > c.today) throw invalidField('terminated_on', STANDARD_LAND_MESSAGES.future('terminated_on', on, c.today))
      if (on < c.signed_on) throw invalidField('terminated_on', STANDARD_LAND_MESSAGES.beforeSigned('terminated_on', on, c.signed_on))
      await t.one(TERMINATE, { id: c.id, on })
      const open = await t.any(
        `SELECT l.id FROM standard_land_rectification r JOIN disposal_ledger l ON l.id = r.termination_ledger_id
          WHERE r.contract_id = $1 AND l.completed_on IS NULL`, [c.id])
      for (const l of open) await t.one(LEDGER_COMPLETE, { id: l.id, on, progress: `已解除出让合同、收回土地（${on}）` })
      return (await this.view(no, c.today, viewer, t))!
    })
  }

  private async lockStandard(t: ITask<unknown>, no: string, viewer: Viewer): Promise<Locked> {
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
