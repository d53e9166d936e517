/** Calendar days as integers (days since 1970-01-01, UTC), so that "366 days after the agreed
 * start" is exact arithmetic with no time zone in it. */

const MS_PER_DAY = 86_400_000

export function day(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso)
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: "${iso}"`)
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY
}

export function iso(d: number): string {
  return new Date(d * MS_PER_DAY).toISOString().slice(0, 10)
}

export function yearOf(d: number): number {
  return new Date(d * MS_PER_DAY).getUTCFullYear()
}

export function monthOf(d: number): number {
  return new Date(d * MS_PER_DAY).getUTCMonth() + 1
}

/** The date every classification of the demo is built against (DEMO_CASES hold as of this day). */
export const REFERENCE_DATE = '2025-06-30'
export const REF = day(REFERENCE_DATE)

/** REF minus n days, as a day number. */
export function ago(n: number): number {
  return REF - n
}

/** '2024Q3' → first and last day of the quarter. */
export function quarterRange(period: string): { first: number; last: number } {
  const m = /^(\d{4})Q([1-4])$/.exec(period)
  if (!m) throw new RangeError(`not a period like 2024Q3: "${period}"`)
  const y = Number(m[1])
  const q = Number(m[2])
  const first = Date.UTC(y, (q - 1) * 3, 1) / MS_PER_DAY
  const last = Date.UTC(y, q * 3, 1) / MS_PER_DAY - 1
  return { first, last }
}

export function periodOf(d: number): string {
  return `${yearOf(d)}Q${Math.floor((monthOf(d) - 1) / 3) + 1}`
}
