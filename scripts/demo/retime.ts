/** The demo's story up to today: the story is written as of REFERENCE_DATE (cases.ts: "idle 366
 * days before the reference date", losses in the three years before its year…); retime() moves it
 * so that its reference date is `today`, keeping every relation the built cases rely on
 * (DOMAIN.md "The land's life cycle": idle days, halt days, overdue deadlines are day counts; the
 * per-mu and 低效 type 4/5 rules read whole ended years; remote-sensing changes are per quarter):
 *
 * - every date of the land's life (contracts, development events, leases, ledger deadlines,
 *   flags, county rule versions) moves by the same number of days, today − REFERENCE_DATE;
 * - the yearly figures move by whole years, year(today) − year(REFERENCE_DATE), so that the
 *   story's last ended year (2024) becomes the last ended year before today;
 * - remote-sensing periods move by whole quarters, so the story's last quarter (2025Q2) becomes
 *   today's quarter, their image dates keep their place in the quarter (never after today), and
 *   their codes (which carry the period) follow;
 * - approval batches keep their dates: their approval before 2018-01-01 decides the old stock
 *   (洛政办〔2021〕16号 §一(二)1, a fixed date of the plan), and moving contracts later never puts a
 *   supply before its batch.
 * Codes that carry a year (contract and approval numbers) are left as drawn: they are names. */
import { changeCode, type DemoCase } from './cases'
import { REF, REFERENCE_DATE, day, iso, quarterRange, yearOf } from './dates'
import type { DemoData } from './types'

/** The dated parts of the demo's data. */
type Dated = Pick<DemoData, 'referenceDate' | 'supplyContracts' | 'developmentEvents' | 'leases' | 'enterpriseYears' | 'countyRules'
  | 'rsChanges' | 'disposalLedger' | 'parcelFlags' | 'cases'>

export interface Shift {
  /** today − REFERENCE_DATE in days */
  days: number
  /** year(today) − year(REFERENCE_DATE) */
  years: number
  /** quarter(today) − quarter(REFERENCE_DATE) */
  quarters: number
}

function quarterIndex(d: number): number {
  const dt = new Date(d * 86_400_000)
  return dt.getUTCFullYear() * 4 + Math.floor(dt.getUTCMonth() / 3)
}

export function shiftFor(today: string): Shift {
  const t = day(today)
  if (t < REF) throw new RangeError(`today must be on or after the story's reference date ${REFERENCE_DATE}, got ${today}`)
  return { days: t - REF, years: yearOf(t) - yearOf(REF), quarters: quarterIndex(t) - quarterIndex(REF) }
}

/** '2024Q3' moved by n quarters. */
export function shiftPeriod(period: string, n: number): string {
  const m = /^(\d{4})Q([1-4])$/.exec(period)
  if (!m) throw new RangeError(`not a period like 2024Q3: "${period}"`)
  const k = Number(m[1]) * 4 + Number(m[2]) - 1 + n
  return `${Math.floor(k / 4)}Q${(k % 4) + 1}`
}

/** rs_change codes are county-period-serial (cases.ts changeCode). */
function shiftChangeCode(code: string, n: number): string {
  const m = /^(\d{6})-(\d{4}Q[1-4])-(\d{4})$/.exec(code)
  if (!m) throw new RangeError(`not a change code: "${code}"`)
  return changeCode(m[1]!, shiftPeriod(m[2]!, n), Number(m[3]))
}

/** The same data with its story ending on `today` (YYYY-MM-DD, not before REFERENCE_DATE). */
export function retime<T extends Dated>(data: T, today: string): T {
  const s = shiftFor(today)
  if (s.days === 0) return data
  const t = day(today)
  const d = (v: string) => iso(day(v) + s.days)
  const dn = (v: string | null) => (v === null ? null : d(v))
  const cases: DemoCase[] = data.cases.map((c) => c.period === undefined ? c : { ...c, period: shiftPeriod(c.period, s.quarters), code: shiftChangeCode(c.code, s.quarters) })
  return {
    ...data,
    referenceDate: today,
    supplyContracts: data.supplyContracts.map((r) => ({ ...r, signed_on: d(r.signed_on), agreed_start_on: d(r.agreed_start_on), agreed_completion_on: d(r.agreed_completion_on), terminated_on: dn(r.terminated_on) })),
    developmentEvents: data.developmentEvents.map((r) => ({ ...r, occurred_on: d(r.occurred_on) })),
    leases: data.leases.map((r) => ({ ...r, starts_on: d(r.starts_on), ends_on: dn(r.ends_on) })),
    enterpriseYears: data.enterpriseYears.map((r) => ({ ...r, year: r.year + s.years })),
    countyRules: data.countyRules.map((r) => ({ ...r, effective_from: d(r.effective_from) })),
    rsChanges: data.rsChanges.map((r) => {
      const period = shiftPeriod(r.period, s.quarters)
      // the image keeps its distance from its quarter's end, and is never taken after today
      const after = Math.min(t, quarterRange(period).last - (quarterRange(r.period).last - day(r.image_after)))
      return {
        ...r,
        period,
        code: shiftChangeCode(r.code, s.quarters),
        image_after: iso(after),
        image_before: iso(after - (day(r.image_after) - day(r.image_before))),
        linked_period: r.linked_period === null ? null : shiftPeriod(r.linked_period, s.quarters),
        linked_code: r.linked_code === null ? null : shiftChangeCode(r.linked_code, s.quarters),
      }
    }),
    disposalLedger: data.disposalLedger.map((r) => ({ ...r, deadline: d(r.deadline), completed_on: dn(r.completed_on) })),
    parcelFlags: data.parcelFlags.map((r) => ({ ...r, set_on: d(r.set_on), cleared_on: dn(r.cleared_on) })),
    cases,
  }
}

/** Today's calendar date in Beijing time (UTC+8, no daylight saving): the bureau's day. */
export function beijingToday(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
}
