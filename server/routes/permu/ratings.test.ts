/** The A/B/C/D enterprise rating: scores at the exact grade thresholds, the cap and missing values
 * (analysis.rating_score); a county's own rule from a date on (versioned settings) against the
 * city-wide default of the year before; storing a year's evaluation with who did it; and "rated C
 * two years running" reaching analysis.effective_rating, which inefficient type 5 reads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { A, B, buildWorld, E2, E6, H, mu, ORIGIN_A, T3 } from '../../test/permu-world'
import { boxAreaM2, boxAt, figures, firmCode, grant, insertFirm, insertParcelBox, muOf } from '../../test/permu-land'
import { jobResult } from '../../test/jobs'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers
let analystB: Headers

const EC = firmCode(20) // rated C in 2023 and 2024
const PC = boxAt(ORIGIN_A, 700, 200, 100, 100)
const muPC = muOf(boxAreaM2(PC))
const COUNTY_RULE = {
  indicators: [{ key: 'tax_per_mu', weight: 1, benchmark: 'target' }],
  grades: [{ grade: 'A', min: 120 }, { grade: 'B', min: 60 }, { grade: 'C', min: 30 }],
}

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await buildWorld(db)
  await insertFirm(db, EC, '倒逼转型有限公司', A)
  const pc = await insertParcelBox(db, { code: 'PC', county: A, cluster: 'luolong', box: PC })
  await grant(db, { no: 'G-PC', parcelId: pc, county: A, landUser: EC, signedOn: '2019-01-01' })
  // 0.4 × the 15 万元 target in tax, 0.4 × ten times it in output: C under both rules (score 40)
  await figures(db, EC, 2023, { tax: Math.round(6 * muPC * 100) / 100, output: Math.round(60 * muPC * 100) / 100, rating: 'B' })
  await figures(db, EC, 2024, { tax: Math.round(6 * muPC * 100) / 100, output: Math.round(60 * muPC * 100) / 100, rating: 'B' })
  // county A rates on tax per mu alone from 2024 on; 2023 stays under the city-wide default
  await db.none(`INSERT INTO county_rule (county_code, key, value, effective_from, note)
    VALUES ($1, 'enterprise_rating', $2, '2024-01-01', '洛龙区 2024 评价办法')`, [A, JSON.stringify(COUNTY_RULE)])
  analyst = await t.loginAs('analyst', null)
  analystB = await t.loginAs('analyst', [B])
})
afterAll(async () => t?.close())

const score = async (vals: Record<string, number>, target: number, rule: unknown) =>
  (await t.database.db.one('SELECT analysis.rating_score($1::jsonb, $2::numeric, $3::jsonb) AS s',
    [JSON.stringify(vals), target, JSON.stringify(rule)])).s

const RULE = {
  indicators: [
    { key: 'tax_per_mu', weight: 0.7, benchmark: 'target' },
    { key: 'output_per_mu', weight: 0.3, benchmark: 150 },
  ],
  cap: 2,
  grades: [{ grade: 'A', min: 100 }, { grade: 'B', min: 60 }, { grade: 'C', min: 30 }],
}

describe('analysis.rating_score at the thresholds', () => {
  it('a score exactly at a grade\'s minimum earns the grade; a hair below earns the next', async () => {
    // 0.7 × 15/15 × 100 + 0.3 × 150/150 × 100 = 100
    expect(await score({ tax_per_mu: 15, output_per_mu: 150 }, 15, RULE)).toMatchObject({ grade: 'A', score: 100 })
    // 0.7 × 14.9985/15 × 100 + 30 = 99.993
    expect(await score({ tax_per_mu: 14.9985, output_per_mu: 150 }, 15, RULE)).toMatchObject({ grade: 'B', score: 99.993 })
    // 0.7 × 60 + 0.3 × 60 = 60
    expect(await score({ tax_per_mu: 9, output_per_mu: 90 }, 15, RULE)).toMatchObject({ grade: 'B', score: 60 })
    // 0.7 × 8.985/15 × 100 + 18 = 59.93
    expect(await score({ tax_per_mu: 8.985, output_per_mu: 90 }, 15, RULE)).toMatchObject({ grade: 'C', score: 59.93 })
    // 0.7 × 30 + 0.3 × 30 = 30
    expect(await score({ tax_per_mu: 4.5, output_per_mu: 45 }, 15, RULE)).toMatchObject({ grade: 'C', score: 30 })
    // 21 + 0.3 × 44.85/150 × 100 = 29.97
    expect(await score({ tax_per_mu: 4.5, output_per_mu: 44.85 }, 15, RULE)).toMatchObject({ grade: 'D', score: 29.97 })
  })

  it('caps one indicator at cap × its benchmark and scores a missing value 0, naming it', async () => {
    // tax 4 × target is capped at 2: 0.7 × 2 × 100 = 140; output missing
    const s = await score({ tax_per_mu: 60 }, 15, RULE)
    expect(s).toMatchObject({ grade: 'A', score: 140, missing: ['output_per_mu'] })
    expect(s.parts.map((p: { ratio: number }) => p.ratio)).toEqual([2, 0])
  })

  it('inverts an indicator where lower is better, and refuses a rule without indicators', async () => {
    const rule = { indicators: [{ key: 'energy_per_value_added', weight: 1, benchmark: 0.5, lower_is_better: true }], grades: [{ grade: 'A', min: 100 }] }
    expect(await score({ energy_per_value_added: 0.4 }, 15, rule)).toMatchObject({ grade: 'A', score: 125 })
    expect(await score({ energy_per_value_added: 0.625 }, 15, rule)).toMatchObject({ grade: 'D', score: 80 })
    await expect(score({ tax_per_mu: 1 }, 15, { grades: [] })).rejects.toThrow(/indicators/)
  })
})

/** The grade of the county rule (tax per mu alone against the target) for a ratio, by hand. */
const countyGrade = (ratio: number) => (ratio >= 1.2 ? 'A' : ratio >= 0.6 ? 'B' : ratio >= 0.3 ? 'C' : 'D')

describe('ratings of a year through the API', () => {
  it('rates 2024 under county A\'s own rule, citing it, and 2023 under the city-wide default', async () => {
    const res = await t.app.inject({ url: '/api/permu/ratings?year=2024&asOf=2025-06-30', headers: analyst })
    expect(res.statusCode, res.body).toBe(200)
    const items = res.json().items as { credit_code: string; rating: string; score: number; rule: { county_code: string | null; effective_from: string } }[]
    const byCode = new Map(items.map((i) => [i.credit_code, i]))
    const perMu: Record<string, number> = {
      [H]: 210 / mu.P1!, [E2]: 300 / (mu.P2! + mu.P3!), [T3]: 70 / mu.P7!,
    }
    for (const [code, value] of Object.entries(perMu)) {
      const r = byCode.get(code)!
      expect(r.rating, code).toBe(countyGrade(value / 15))
      expect(r.score).toBeCloseTo((value / 15) * 100, 2)
      expect(r.rule).toMatchObject({ county_code: A, effective_from: '2024-01-01' })
    }
    expect(byCode.get(EC)!.rating).toBe('C')
    // county B keeps the city-wide default: 0.7 × tax/20 + 0.3 × output/200 (× 100)
    const e6 = byCode.get(E6)!
    const e6Score = (0.7 * (100 / mu.P6!) / 20 + 0.3 * (900 / mu.P6!) / 200) * 100
    expect(e6.score).toBeCloseTo(e6Score, 2)
    expect(e6.rule).toMatchObject({ county_code: null, effective_from: '1900-01-01' })
    const y2023 = (await t.app.inject({ url: '/api/permu/ratings?year=2023&asOf=2025-06-30', headers: analyst })).json()
    const h23 = y2023.items.find((i: { credit_code: string }) => i.credit_code === H)
    expect(h23.rule).toMatchObject({ county_code: null })
    expect(h23.score).toBeCloseTo((0.7 * (90 / mu.P1!) / 15 + 0.3 * (800 / mu.P1!) / 150) * 100, 2)
  })

  it('stores each year\'s evaluation; C two years running is what type 5 reads, over the imported B', async () => {
    for (const year of [2023, 2024]) {
      const res = await t.app.inject({ method: 'POST', url: `/api/permu/ratings/${year}`, headers: analyst })
      expect((await jobResult<{ stored: number }>(t.app, res, analyst)).stored).toBeGreaterThan(0)
    }
    const db = t.database.db
    const eff = await db.any(`SELECT year, rating, source FROM analysis.effective_rating() WHERE credit_code = $1 ORDER BY year`, [EC])
    expect(eff).toEqual([{ year: 2023, rating: 'C', source: 'computed' }, { year: 2024, rating: 'C', source: 'computed' }])
    const stored = await db.one('SELECT rating, rule_id, computed_by FROM enterprise_rating WHERE credit_code = $1 AND year = 2024', [EC])
    const rule = await db.one(`SELECT id FROM county_rule WHERE county_code = $1 AND key = 'enterprise_rating'`, [A])
    expect(stored).toEqual({ rating: 'C', rule_id: rule.id, computed_by: 'user:analyst_city' })
    const logged = await db.one(`SELECT count(*)::int AS n FROM event_log WHERE entity = 'enterprise_rating' AND entity_id = $1 AND actor = 'user:analyst_city'`, [EC])
    expect(logged.n).toBe(2)
    // storing again replaces the year's rating and keeps the old one in the event log
    await jobResult(t.app, await t.app.inject({ method: 'POST', url: '/api/permu/ratings/2024', headers: analyst }), analyst)
    expect((await db.one('SELECT version FROM enterprise_rating WHERE credit_code = $1 AND year = 2024', [EC])).version).toBe(2)
  })

  it('a county analyst stores the ratings of their own county only; a year not yet ended is refused', async () => {
    const db = t.database.db
    await db.none('DELETE FROM enterprise_rating')
    const res = await t.app.inject({ method: 'POST', url: '/api/permu/ratings/2024', headers: analystB })
    expect((await jobResult<{ stored: number }>(t.app, res, analystB)).stored).toBe(1)
    expect(await db.any('SELECT credit_code FROM enterprise_rating')).toEqual([{ credit_code: E6 }])
    const late = await t.app.inject({ method: 'POST', url: '/api/permu/ratings/2099', headers: analyst })
    expect(late.statusCode).toBe(400)
    expect(late.json().detail.field).toBe('year')
    // publishing a year's ratings is in the audit trail, the refused one too
    const trail = await db.map(`SELECT object || ' ' || result AS e FROM security_event WHERE kind = 'published' ORDER BY seq DESC LIMIT 2`, [], (r: { e: string }) => r.e)
    expect(trail).toEqual(['POST /api/permu/ratings/2099 failed', 'POST /api/permu/ratings/2024 ok'])
    // the accepted one names the job it started
    expect((await db.one(`SELECT detail FROM security_event WHERE kind = 'published' AND result = 'ok' ORDER BY seq DESC LIMIT 1`)).detail)
      .toEqual({ status: 202, job: res.json().id, job_kind: 'ratings-store' })
  })
})
