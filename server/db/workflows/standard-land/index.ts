/** The standard-land workflow (标准地, DOMAIN.md "Standard land"; annex 2 arts. 11–12) as one unit:
 * a completion or production check judged per indicator, and what its outcome opens or closes (a
 * rectification of at most two years with its ledger entry 限期整改; the re-check closing it, or
 * recommending termination and recovery, ledger 收回), then the termination. Which step is allowed
 * from which status and what it leads to is the table analysis.standard_land_transitions()
 * (sql/functions/standard-land-4-workflow.sql), which GET /api/standard-land/transitions publishes;
 * the dates come from analysis.standard_land_check_dates(). Its statements are the .sql files
 * beside this one; the contract's file and lock come from the standard-land repository. */
import type { IDatabase, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { guardSensitiveWrite, setActor, type Writer } from '../../actor'
import { HttpError } from '../../../errors'
import { invalidField } from '../../../schemas/common'
import type { CheckCreate, Termination } from '../../../schemas/standard-land'
import type { Versioned } from '../../repos/parcels'
import type { ReadViewer as Viewer } from '../../viewer'
import { KIND_LABEL, STANDARD_LAND_MESSAGES, type StandardLandRepo } from '../../repos/standard-land'

const sql = sqlLoader(import.meta.url)
const STATE = sql('state.sql')
const PERMU_FILL = sql('permu-fill.sql')
const EVALUATE = sql('evaluate.sql')
const EVENT_INSERT = sql('event-insert.sql')
const CHECK_INSERT = sql('check-insert.sql')
const RECT_OPEN = sql('rect-open.sql')
const RECT_CLOSE = sql('rect-close.sql')
const LEDGER_ADD = sql('ledger-add.sql')
const LEDGER_COMPLETE = sql('ledger-complete.sql')
const TERMINATE = sql('terminate.sql')
const TRANSITIONS = sql('transitions.sql')
const CHECK_DATES = sql('check-dates.sql')

/** Per-mu values a production check may take from the yearly figures (annex 3 art. 14). */
const FROM_PERMU = { tax_per_mu: 'tax_per_mu', output_per_mu: 'output_per_mu' } as const

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

export class StandardLandWorkflow {
  constructor(private db: IDatabase<unknown>, private land: StandardLandRepo) {}

  /** The workflow's table: from each status, which step leads where and what it opens or closes, or why it is refused. */
  transitions(conn: ITask<unknown> | IDatabase<unknown> = this.db): Promise<StandardLandTransition[]> {
    return conn.any(TRANSITIONS)
  }

  /** Records a completion or production check (annex 2 art. 12): per indicator pass or fail; a
   * failure opens a rectification of at most two years (ledger: 限期整改); the re-check closes it,
   * and a failed re-check recommends terminating the contract and recovering the land (ledger: 收回). */
  async recordCheck(no: string, viewer: Viewer, body: CheckCreate, actor: Writer, username: string): Promise<Versioned> {
    return this.db.tx('standard-land-check', async (t) => {
      await setActor(t, actor, body.note)
      const c = await this.land.lockStandard(t, no, viewer)
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
      return (await this.land.view(no, c.today, viewer, t))!
    })
  }

  /** Records the termination of a standard-land contract and the recovery of its parcel; completes
   * the ledger entry of a recommended termination. */
  async terminate(no: string, viewer: Viewer, body: Termination, actor: Writer): Promise<Versioned> {
    return this.db.tx('standard-land-terminate', async (t) => {
      await setActor(t, actor, body.note ?? '解除标准地出让合同，收回土地')
      const c = await this.land.lockStandard(t, no, viewer)
      if (c.terminated_on) throw new HttpError(409, 'terminated', STANDARD_LAND_MESSAGES.terminated(no))
      const on = body.terminated_on
      if (on > c.today) throw invalidField('terminated_on', STANDARD_LAND_MESSAGES.future('terminated_on', on, c.today))
      if (on < c.signed_on) throw invalidField('terminated_on', STANDARD_LAND_MESSAGES.beforeSigned('terminated_on', on, c.signed_on))
      await t.one(TERMINATE, { id: c.id, on })
      const open = await t.any(
        `SELECT l.id FROM standard_land_rectification r JOIN disposal_ledger l ON l.id = r.termination_ledger_id
          WHERE r.contract_id = $1 AND l.completed_on IS NULL`, [c.id])
      for (const l of open) await t.one(LEDGER_COMPLETE, { id: l.id, on, progress: `已解除出让合同、收回土地（${on}）` })
      return (await this.land.view(no, c.today, viewer, t))!
    })
  }
}
