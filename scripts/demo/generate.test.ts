/** The demo generator: deterministic, complete, geometrically sound, and its built cases are what
 * their notes say — each checked here against values computed independently (turf, plain date
 * arithmetic, a second implementation of the GB 32100 check), not against the generator's own. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as turf from '@turf/turf'
import type { Feature, MultiPolygon as GjMultiPolygon, Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { CASE_PARCELS } from './cases'
import { DEMO_CASES, type DemoCase, REFERENCE_DATE, generateDemo, generateParcelBundles, generateParcels } from './generate'
import { isValidCreditCode } from './credit-code'
import { Rng } from './random'
import type { MultiPolygon, ParcelRow } from './types'

const demo = generateDemo()
const sha = (d: unknown) => crypto.createHash('sha256').update(JSON.stringify(d)).digest('hex')
const MU = 10000 / 15
const REF_MS = Date.parse(REFERENCE_DATE)
const daysBefore = (iso: string) => Math.round((REF_MS - Date.parse(iso)) / 86_400_000)

/** Overlap tolerance for "parcels do not overlap": 0.01 m² (a 1e-9° coordinate is ~0.1 mm). */
const OVERLAP_TOLERANCE_M2 = 0.01

function overlapM2(a: MultiPolygon, b: MultiPolygon): number {
  const x = turf.intersect(turf.featureCollection([turf.feature(a as GjMultiPolygon), turf.feature(b as GjMultiPolygon)]))
  return x ? turf.area(x) : 0
}

/** Pairs of parcels whose bounding boxes meet (sweep on the west edge). */
function touchingPairs(parcels: ParcelRow[]): [ParcelRow, ParcelRow][] {
  const boxes = parcels.map((p) => ({ p, b: turf.bbox(p.geom as GjMultiPolygon) })).sort((x, y) => x.b[0] - y.b[0])
  const pairs: [ParcelRow, ParcelRow][] = []
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i]!
    for (let j = i + 1; j < boxes.length && boxes[j]!.b[0] <= a.b[2]; j++) {
      const b = boxes[j]!
      if (b.b[1] <= a.b[3] && a.b[1] <= b.b[3]) pairs.push([a.p, b.p])
    }
  }
  return pairs
}

function casesOf(classification: DemoCase['classification'], expect?: boolean): DemoCase[] {
  return DEMO_CASES.filter((c) => c.classification === classification && (expect === undefined || c.expect === expect))
}

const parcelByCode = new Map(demo.parcels.map((p) => [p.code, p]))
const contractByParcel = new Map(demo.supplyContracts.map((c) => [c.parcel_code, c]))
const clusterByCode = new Map(demo.clusters.map((c) => [c.code, c]))

describe('credit codes', () => {
  it('accepts a published real code and refuses a wrong check character', () => {
    expect(isValidCreditCode('9144030071526726XG')).toBe(true)
    expect(isValidCreditCode('9144030071526726XH')).toBe(false)
    expect(isValidCreditCode('91440300715267260G')).toBe(false) // organisation-code check
    expect(isValidCreditCode('9I44030071526726XG')).toBe(false) // I is not a code character
  })
})

describe('random', () => {
  it('is a pure function of seed and key, never Math.random', () => {
    const a = new Rng(7, 'x', 1)
    const b = new Rng(7, 'x', 1)
    const draws = Array.from({ length: 5 }, () => a.u32())
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(draws)
    expect(new Rng(7, 'x', 2).u32()).not.toBe(draws[0])
    expect(new Rng(8, 'x', 1).u32()).not.toBe(draws[0])
    const src = fs.readdirSync(path.dirname(fileURLToPath(import.meta.url)))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), f), 'utf8'))
    for (const text of src) expect(text).not.toMatch(/Math\.random\s*\(/)
  })

  it('draws integers over the whole inclusive range, roughly uniformly', () => {
    const r = new Rng(1)
    const seen = new Array(6).fill(0)
    for (let i = 0; i < 6000; i++) seen[r.int(0, 5)]++
    for (const n of seen) expect(n).toBeGreaterThan(850)
    const normals = Array.from({ length: 4000 }, () => r.normal(10, 2))
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length
    expect(mean).toBeCloseTo(10, 0)
  })
})

describe('generateDemo', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(sha(generateDemo())).toBe(sha(demo))
    expect(sha(generateDemo({ seed: 20210428 }))).toBe(sha(demo))
    const other = generateDemo({ seed: 1 })
    expect(sha(other)).not.toBe(sha(demo))
    expect(sha(other.parcels.map((p) => p.geom))).not.toBe(sha(demo.parcels.map((p) => p.geom)))
  })

  it('makes the default counts, and the counts asked for', () => {
    expect(demo.counties).toHaveLength(14)
    expect(demo.clusters).toHaveLength(18)
    expect(demo.planZones).toHaveLength(18 * 17)
    expect(demo.approvalBatches).toHaveLength(150)
    expect(demo.parcels).toHaveLength(2000)
    expect(demo.rsChanges).toHaveLength(300)
    expect(demo.supplyContracts).toHaveLength(demo.parcels.filter((p) => p.stage !== 'approved').length)
    expect(demo.enterprises.length).toBeGreaterThan(1500)
    expect(demo.enterpriseYears.length).toBeGreaterThan(2000)
    expect(demo.leases.length).toBeGreaterThan(50)
    expect(demo.disposalLedger.length).toBeGreaterThan(30)
    const small = generateDemo({ parcels: 300, batches: 40, changes: 60 })
    expect([small.parcels.length, small.approvalBatches.length, small.rsChanges.length]).toEqual([300, 40, 60])
    expect(() => generateDemo({ parcels: 10 })).toThrow(/parcels must be ≥/)
    expect(() => generateDemo({ batches: 20 })).toThrow(/batches must be/)
    expect(() => generateDemo({ changes: 3 })).toThrow(/changes must be ≥/)
  })

  it('lays parcels that do not overlap one another (turf, tolerance 0.01 m²)', () => {
    let worst = 0
    for (const [a, b] of touchingPairs(demo.parcels)) worst = Math.max(worst, overlapM2(a.geom, b.geom))
    expect(worst).toBeLessThanOrEqual(OVERLAP_TOLERANCE_M2)
  })

  it('makes parcels of about 10–150 mu whose stated area is close to the geometry for most', () => {
    const off = demo.parcels.filter((p) => {
      const mu = turf.area(p.geom as GjMultiPolygon) / MU
      expect(mu).toBeGreaterThan(9.5)
      expect(mu).toBeLessThan(151)
      return Math.abs(p.stated_area_m2 / turf.area(p.geom as GjMultiPolygon) - 1) > 0.01
    })
    expect(off.length).toBeGreaterThan(5)
    expect(off.length).toBeLessThan(demo.parcels.length * 0.05)
    const uses = new Set(demo.parcels.map((p) => p.land_use))
    expect(demo.parcels.filter((p) => p.land_use === '工业用地').length / demo.parcels.length).toBeGreaterThan(0.85)
    expect(uses).toContain('仓储用地')
    for (const p of demo.parcels) expect(p.code).toMatch(/^4103\d{2}-(GY|CC)-\d{6}$/)
  })

  it('has all 18 clusters with the action plan targets (40/20/15/10) and the fixture names', () => {
    // 洛政办〔2021〕16号 §一(二)3, by short name.
    const targets: Record<string, number> = {
      石化: 40, 高新技术: 20, 栾川县: 20, 先进制造: 20, 洛新: 20, 偃师: 20, 新安县: 20,
      洛龙: 15, 宜阳县: 15, 孟津华阳: 15, 伊川县: 15, 洛宁县: 15,
      洛阳经济技术开发区: 10, 空港: 10, 嵩县: 10, 工业: 10, 伊滨: 10, 汝阳县: 10,
    }
    const fixture = JSON.parse(fs.readFileSync(new URL('../../fixtures/luoyang-clusters.json', import.meta.url), 'utf8'))
    expect(demo.clusters.map((c) => c.short_name).sort()).toEqual(Object.keys(targets).sort())
    for (const c of demo.clusters) {
      const fx = fixture.clusters.find((f: { code: string }) => f.code === c.code)
      expect(c.target_tax_per_mu).toBe(targets[c.short_name])
      expect([c.name, c.county_code, c.leading_industries]).toEqual([fx.name, fx.county_code, fx.leading_industries])
      expect(c.boundary_synthetic).toBe(true)
      expect(turf.booleanPointInPolygon(fx.centre, c.boundary as GjMultiPolygon)).toBe(true)
      // A square of 2 × half_km with edges bulged by at most 4 %: area between (2H)² and +4 %.
      const square = (2 * fx.half_km * 1000) ** 2
      const area = turf.area(c.boundary as GjMultiPolygon)
      expect(area / square).toBeGreaterThan(0.995)
      expect(area / square).toBeLessThan(1.045)
      expect(turf.booleanValid(turf.feature(c.boundary as GjMultiPolygon))).toBe(true)
    }
    expect(new Set(demo.counties.map((c) => c.code))).toEqual(new Set(fixture.counties.map((c: { code: string }) => c.code)))
  })

  it('splits each cluster into mostly industrial plan zones inside its boundary', () => {
    for (const c of demo.clusters) {
      const zones = demo.planZones.filter((z) => z.cluster_code === c.code)
      const area = (t: string) => zones.filter((z) => z.zone_type === t).reduce((s, z) => s + turf.area(z.geom as GjMultiPolygon), 0)
      const total = zones.reduce((s, z) => s + turf.area(z.geom as GjMultiPolygon), 0)
      expect(new Set(zones.map((z) => z.zone_type))).toEqual(new Set(['industrial', 'logistics', 'residential', 'green', 'road', 'public']))
      expect(area('industrial') / total).toBeGreaterThan(0.6)
      for (const z of zones) expect(turf.booleanWithin(turf.feature(z.geom as GjMultiPolygon), turf.feature(c.boundary as GjMultiPolygon))).toBe(true)
    }
  })

  it('keeps batches inside clusters, unique approval numbers, plenty approved before 2018', () => {
    expect(new Set(demo.approvalBatches.map((b) => b.approval_no)).size).toBe(demo.approvalBatches.length)
    for (const b of demo.approvalBatches) {
      expect(b.approval_no).toMatch(/^豫政土〔(20\d\d)〕\d+号$/)
      expect(b.approval_no.slice(4, 8)).toBe(b.approved_on.slice(0, 4))
      expect(b.approved_on >= '2012-01-01' && b.approved_on <= '2024-12-31').toBe(true)
      expect(turf.booleanWithin(turf.feature(b.geom as GjMultiPolygon), turf.feature(clusterByCode.get(b.cluster_code!)!.boundary as GjMultiPolygon))).toBe(true)
    }
    expect(demo.approvalBatches.filter((b) => b.approved_on < '2018-01-01').length / demo.approvalBatches.length).toBeGreaterThan(0.5)
  })

  it('keeps every reference and constraint of the schema', () => {
    const unique = <T>(xs: T[]) => new Set(xs).size === xs.length
    const enterprises = new Set(demo.enterprises.map((e) => e.credit_code))
    expect(unique(demo.parcels.map((p) => p.code))).toBe(true)
    expect(unique(demo.enterprises.map((e) => e.credit_code))).toBe(true)
    expect(unique(demo.supplyContracts.map((c) => c.contract_no))).toBe(true)
    expect(unique(demo.supplyContracts.map((c) => c.parcel_code))).toBe(true)
    expect(unique(demo.contractIndicators.map((i) => `${i.contract_no}|${i.indicator}`))).toBe(true)
    expect(unique(demo.enterpriseYears.map((y) => `${y.credit_code}|${y.year}`))).toBe(true)
    expect(unique(demo.rsChanges.map((r) => `${r.period}|${r.code}`))).toBe(true)
    const contracts = new Set(demo.supplyContracts.map((c) => c.contract_no))
    for (const c of demo.supplyContracts) {
      expect(parcelByCode.has(c.parcel_code)).toBe(true)
      expect(enterprises.has(c.land_user_code)).toBe(true)
      expect(c.agreed_completion_on >= c.agreed_start_on).toBe(true)
      expect(c.term_years === null || c.term_years <= 20 || c.major_project).toBe(true)
      if (c.is_standard_land) expect(c.signed_on >= '2021-01-01').toBe(true)
    }
    for (const i of demo.contractIndicators) expect(contracts.has(i.contract_no)).toBe(true)
    for (const e of demo.developmentEvents) expect(parcelByCode.get(e.parcel_code)?.county_code).toBe(e.county_code)
    for (const l of demo.leases) {
      expect(parcelByCode.has(l.parcel_code) && enterprises.has(l.landholder_code) && enterprises.has(l.tenant_code)).toBe(true)
      expect(l.landholder_code).not.toBe(l.tenant_code)
    }
    for (const y of demo.enterpriseYears) {
      expect(enterprises.has(y.credit_code)).toBe(true)
      expect([2022, 2023, 2024]).toContain(y.year)
      expect(y.tax_refund_wan).toBeGreaterThanOrEqual(0)
    }
    for (const d of demo.disposalLedger) expect(parcelByCode.has(d.parcel_code)).toBe(true)
    const changes = new Set(demo.rsChanges.map((r) => `${r.period}|${r.code}`))
    for (const r of demo.rsChanges) {
      expect(r.image_after > r.image_before).toBe(true)
      expect(r.image_after <= REFERENCE_DATE).toBe(true)
      if (r.linked_code !== null) {
        expect(changes.has(`${r.linked_period}|${r.linked_code}`)).toBe(true)
        expect(r.linked_period! < r.period).toBe(true)
      }
    }
    for (const p of demo.parcels) expect(contractByParcel.has(p.code)).toBe(p.stage !== 'approved')
    const standard = demo.supplyContracts.filter((c) => c.signed_on >= '2021-01-01' && c.supply_method === 'grant')
    const share = standard.filter((c) => c.is_standard_land).length / standard.length
    expect(share).toBeGreaterThan(0.2)
    expect(share).toBeLessThan(0.4)
    expect(demo.supplyContracts.some((c) => c.major_project && c.term_years! >= 30)).toBe(true)
  })

  it('gives enterprises valid 统一社会信用代码 (schema pattern and GB 32100 check character)', () => {
    const pattern = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/ // sql/migrations/001_land_model.sql
    const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
    const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    const check = (code: string) => chars[(31 - ([...code.slice(0, 17)].reduce((s, ch, i) => s + chars.indexOf(ch) * weights[i]!, 0) % 31)) % 31]
    expect(check('9144030071526726XG')).toBe('G') // a published real code
    for (const e of demo.enterprises) {
      expect(e.credit_code).toMatch(pattern)
      expect(e.credit_code[17]).toBe(check(e.credit_code))
      expect(e.credit_code.slice(2, 8)).toBe(e.county_code)
      expect(e.name).toMatch(/有限公司$/)
      expect(e.legal_person.length).toBeGreaterThan(1)
      expect(e.contact_phone).toMatch(/^1[358]\d0000\d{4}$/)
    }
  })

  it('puts most land users in their cluster’s leading industries, some not', () => {
    const holders = new Map(demo.supplyContracts.map((c) => [c.land_user_code, clusterByCode.get(parcelByCode.get(c.parcel_code)!.cluster_code!)!]))
    const entries = demo.enterprises.filter((e) => holders.has(e.credit_code))
    const leading = entries.filter((e) => holders.get(e.credit_code)!.leading_industries.includes(e.industry)).length
    expect(leading / entries.length).toBeGreaterThan(0.85)
    expect(leading).toBeLessThan(entries.length)
  })
})

describe('streaming generator', () => {
  it('yields the demo’s parcels one by one, and the same prefix for bigger sets', () => {
    expect(sha([...generateParcels()])).toBe(sha(demo.parcels))
    const bigger: ParcelRow[] = []
    for (const p of generateParcels({ parcels: 4000 })) bigger.push(p)
    expect(sha(bigger.slice(0, 2000))).toBe(sha(demo.parcels))
    // Beyond what the batches hold: outside every cluster, not overlapping anything.
    const overflow = bigger.filter((p) => p.cluster_code === null)
    expect(overflow.length).toBeGreaterThan(1000)
    for (const p of overflow.slice(0, 300)) {
      for (const c of demo.clusters) expect(turf.booleanDisjoint(turf.feature(p.geom as GjMultiPolygon), turf.feature(c.boundary as GjMultiPolygon))).toBe(true)
    }
    let worst = 0
    for (const [a, b] of touchingPairs(bigger)) worst = Math.max(worst, overlapM2(a.geom, b.geom))
    expect(worst).toBeLessThanOrEqual(OVERLAP_TOLERANCE_M2)
  })

  it('brings each parcel’s land user and rows along with it', () => {
    const bundles = [...generateParcelBundles({ parcels: 200, batches: 30 })]
    expect(bundles).toHaveLength(200)
    for (const b of bundles) {
      expect(b.landUserName === null).toBe(b.contract === null)
      for (const e of b.events) expect(e.parcel_code).toBe(b.parcel.code)
    }
  })
})

describe('DEMO_CASES', () => {
  const ids = DEMO_CASES.map((c) => c.id)

  it('names each case once, and every subject exists in the default set', () => {
    expect(new Set(ids).size).toBe(ids.length)
    expect(demo.cases).toEqual(DEMO_CASES)
    const batches = new Set(demo.approvalBatches.map((b) => b.approval_no))
    const changes = new Set(demo.rsChanges.map((r) => `${r.period}|${r.code}`))
    for (const c of DEMO_CASES) {
      const present = c.subject === 'parcel' ? parcelByCode.has(c.code)
        : c.subject === 'batch' ? batches.has(c.code)
        : c.subject === 'cluster' ? clusterByCode.has(c.code)
        : changes.has(`${c.period}|${c.code}`)
      expect(present, c.id).toBe(true)
    }
  })

  it('does not depend on the seed', () => {
    const other = generateDemo({ seed: 99, parcels: 500, batches: 60, changes: 40 })
    const codes = new Set([...other.parcels.map((p) => p.code), ...other.approvalBatches.map((b) => b.approval_no),
      ...other.rsChanges.map((r) => `${r.period}|${r.code}`), ...other.clusters.map((c) => c.code)])
    for (const c of DEMO_CASES) expect(codes.has(c.subject === 'change' ? `${c.period}|${c.code}` : c.code), c.id).toBe(true)
  })

  it('has several true cases and near misses for every classification', () => {
    const classes = new Set(DEMO_CASES.map((c) => c.classification))
    for (const k of classes) {
      if (k === 'change_repeated' || k === 'per_mu_meets_target' || k === 'change_on_idle_parcel') {
        expect(casesOf(k, true).length, k).toBeGreaterThanOrEqual(1)
      } else {
        expect(casesOf(k, true).length, k).toBeGreaterThanOrEqual(2)
      }
      expect(casesOf(k, false).length, k).toBeGreaterThanOrEqual(1)
    }
  })

  it('idle (not started): the days since the agreed start are what the cases say', () => {
    for (const c of [...casesOf('idle'), ...casesOf('idle_stage2')]) {
      const contract = contractByParcel.get(c.code)!
      const started = demo.developmentEvents.some((e) => e.parcel_code === c.code && e.kind === 'start')
      const m = /(\d+) days/.exec(c.note)
      if (started || !m || c.note.includes('halted')) continue
      expect(daysBefore(contract.agreed_start_on), c.id).toBe(Number(m[1]))
    }
    expect(daysBefore(contractByParcel.get(casesOf('idle', false).find((c) => c.id === 'idle:idle-365')!.code)!.agreed_start_on)).toBe(365)
  })

  it('idle (halted): developed and invested shares and the halt are as stated, exactly at the near misses', () => {
    const check = (key: string, dev: number, inv: number, haltDays?: number) => {
      const code = DEMO_CASES.find((c) => c.id === `idle:${key}`)!.code
      const contract = contractByParcel.get(code)!
      const events = demo.developmentEvents.filter((e) => e.parcel_code === code)
      const halt = events.filter((e) => e.kind === 'halt').at(-1)!
      expect(halt.developed_area_m2, key).toBe(Math.round(contract.planned_floor_area_m2 * dev * 100) / 100)
      expect(halt.invested_wan, key).toBe(Math.round(contract.total_investment_wan * inv * 100) / 100)
      if (haltDays !== undefined) expect(daysBefore(halt.occurred_on), key).toBe(haltDays)
    }
    check('idle-exact-third', 1 / 3, 0.4)
    check('idle-exact-quarter', 0.5, 0.25)
    check('idle-halt-364', 0.2, 0.1, 364)
    check('idle-halt-365', 0.2, 0.1, 365)
    const third = DEMO_CASES.find((c) => c.id === 'idle:idle-exact-third')!.code
    const planned = contractByParcel.get(third)!.planned_floor_area_m2
    const developed = demo.developmentEvents.filter((e) => e.parcel_code === third && e.kind === 'halt')[0]!.developed_area_m2!
    expect(developed * 3).toBe(planned) // exactly 1/3, not a float near it
    const quarter = DEMO_CASES.find((c) => c.id === 'idle:idle-exact-quarter')!.code
    const q = contractByParcel.get(quarter)!
    expect(demo.developmentEvents.filter((e) => e.parcel_code === quarter && e.kind === 'halt')[0]!.invested_wan! * 4).toBe(q.total_investment_wan)
  })

  it('plan conformity cases lie where they say (turf)', () => {
    const within = (code: string) => {
      const p = parcelByCode.get(code)!
      return turf.booleanWithin(turf.feature(p.geom as GjMultiPolygon), turf.feature(clusterByCode.get(p.cluster_code!)!.boundary as GjMultiPolygon))
    }
    for (const c of casesOf('outside_cluster')) expect(within(c.code), c.id).toBe(!c.expect)
    for (const c of casesOf('non_industrial_zone')) {
      const p = parcelByCode.get(c.code)!
      const onOther = demo.planZones
        .filter((z) => z.cluster_code === p.cluster_code && z.zone_type !== 'industrial')
        .reduce((s, z) => s + overlapM2(p.geom, z.geom), 0)
      expect(onOther > 1, c.id).toBe(c.expect)
    }
    for (const c of casesOf('large_project_unphased')) {
      const mu = turf.area(parcelByCode.get(c.code)!.geom as GjMultiPolygon) / MU
      const signed = contractByParcel.get(c.code)!.signed_on
      expect(mu >= 100 && signed >= '2021-01-01', c.id).toBe(c.expect)
    }
    const phases = casesOf('large_project_unphased', false).filter((c) => c.id.includes('phase-'))
    expect(phases).toHaveLength(2)
    expect(contractByParcel.get(phases[0]!.code)!.land_user_code).toBe(contractByParcel.get(phases[1]!.code)!.land_user_code)
    for (const c of casesOf('area_mismatch')) {
      const p = parcelByCode.get(c.code)!
      expect(Math.abs(p.stated_area_m2 / turf.area(p.geom as GjMultiPolygon) - 1) > 0.01, c.id).toBe(c.expect)
    }
    for (const c of casesOf('industry_not_leading')) {
      const holder = demo.enterprises.find((e) => e.credit_code === contractByParcel.get(c.code)!.land_user_code)!
      expect(clusterByCode.get(parcelByCode.get(c.code)!.cluster_code!)!.leading_industries.includes(holder.industry), c.id).toBe(!c.expect)
    }
  })

  it('unsupplied batch cases leave the remainders they say (turf)', () => {
    const supplied = demo.parcels.filter((p) => contractByParcel.has(p.code))
    for (const c of casesOf('unsupplied')) {
      const batch = demo.approvalBatches.find((b) => b.approval_no === c.code)!
      let rest: Feature<Polygon | GjMultiPolygon> | null = turf.feature(batch.geom as GjMultiPolygon)
      for (const p of supplied) {
        if (!rest) break
        if (overlapM2(p.geom, batch.geom) > 0) rest = turf.difference(turf.featureCollection([rest, turf.feature(p.geom as GjMultiPolygon)]))
      }
      const remainder = rest ? turf.area(rest) : 0
      expect(remainder >= 1, `${c.id}: ${remainder} m²`).toBe(c.expect)
    }
  })

  it('enterprise figures of the inefficiency and per-mu cases are as stated', () => {
    const years = (code: string) => demo.enterpriseYears.filter((y) => y.credit_code === contractByParcel.get(code)!.land_user_code)
    for (const c of casesOf('inefficient_low_output')) {
      const r = years(c.code).map((y) => y.rating).join('')
      expect(r.endsWith('CC'), `${c.id} ${r}`).toBe(c.expect)
    }
    for (const c of casesOf('inefficient_stopped')) {
      const losses = years(c.code).filter((y) => y.profit_wan <= 0).length
      const accepted = demo.developmentEvents.some((e) => e.parcel_code === c.code && e.kind === 'completion_acceptance')
      expect(losses > 2 && accepted, c.id).toBe(c.expect)
    }
    for (const c of casesOf('per_mu_meets_target')) {
      const p = parcelByCode.get(c.code)!
      const holder = contractByParcel.get(c.code)!.land_user_code
      const tenants = new Set(demo.leases.filter((l) => l.parcel_code === c.code).map((l) => l.tenant_code))
      const tax = demo.enterpriseYears
        .filter((y) => y.year === 2024 && (y.credit_code === holder || tenants.has(y.credit_code)))
        .reduce((s, y) => s + y.tax_paid_wan + y.tax_refund_wan, 0)
      const perMu = tax / (turf.area(p.geom as GjMultiPolygon) / MU)
      expect(perMu >= clusterByCode.get(p.cluster_code!)!.target_tax_per_mu, c.id).toBe(c.expect)
    }
  })

  it('clusters land above and below their per-mu tax targets as the cases say', () => {
    const cluster = new Map<string, string>()
    const land = new Map<string, number>()
    for (const c of demo.supplyContracts) {
      const p = parcelByCode.get(c.parcel_code)!
      cluster.set(c.land_user_code, p.cluster_code!)
      land.set(c.land_user_code, (land.get(c.land_user_code) ?? 0) + turf.area(p.geom as GjMultiPolygon) / MU)
    }
    for (const l of demo.leases) cluster.set(l.tenant_code, cluster.get(l.landholder_code)!)
    for (const year of [2022, 2023, 2024]) {
      const tax = new Map<string, number>()
      const mu = new Map<string, number>()
      for (const y of demo.enterpriseYears.filter((x) => x.year === year)) {
        const k = cluster.get(y.credit_code)!
        tax.set(k, (tax.get(k) ?? 0) + y.tax_paid_wan + y.tax_refund_wan)
        if (land.has(y.credit_code)) mu.set(k, (mu.get(k) ?? 0) + land.get(y.credit_code)!)
      }
      for (const c of casesOf('cluster_per_mu_above_target')) {
        const perMu = tax.get(c.code)! / mu.get(c.code)!
        expect(perMu > clusterByCode.get(c.code)!.target_tax_per_mu, `${c.id} ${year}: ${perMu.toFixed(1)}`).toBe(c.expect)
      }
    }
  })

  it('built parcels keep their serial codes whatever the seed', () => {
    for (let k = 0; k < CASE_PARCELS.length; k++) {
      expect(demo.parcels[k]!.code.endsWith(`-${String(k + 1).padStart(6, '0')}`)).toBe(true)
    }
  })
})


describe('the story up to today (retime.ts)', () => {
  // Checked by plain calendar arithmetic (Date.UTC), not by the generator's day numbers.
  const TODAY = '2026-12-07'
  const moved = generateDemo({ today: TODAY })
  const DAYS = (Date.UTC(2026, 11, 7) - Date.UTC(2025, 5, 30)) / 86_400_000 // 525
  const plus = (iso: string) => new Date(Date.parse(iso) + DAYS * 86_400_000).toISOString().slice(0, 10)

  it('moves every date of the land\'s life by the same days, so day counts (idle, halt, overdue) stay', () => {
    expect(DAYS).toBe(525)
    expect(moved.referenceDate).toBe(TODAY)
    demo.supplyContracts.forEach((c, k) => {
      const m = moved.supplyContracts[k]!
      expect([m.signed_on, m.agreed_start_on, m.terminated_on]).toEqual([plus(c.signed_on), plus(c.agreed_start_on), c.terminated_on && plus(c.terminated_on)])
    })
    demo.developmentEvents.forEach((e, k) => expect(moved.developmentEvents[k]!.occurred_on).toBe(plus(e.occurred_on)))
    demo.disposalLedger.forEach((l, k) => expect(moved.disposalLedger[k]!.deadline).toBe(plus(l.deadline)))
    demo.parcelFlags.forEach((f, k) => expect(moved.parcelFlags[k]!.set_on).toBe(plus(f.set_on)))
    // approval batches keep their dates: the old stock is "approved before 2018-01-01" (§一(二)1)
    expect(moved.approvalBatches).toEqual(demo.approvalBatches)
    expect(moved.parcels).toEqual(demo.parcels)
    const last = (rows: string[]) => rows.sort().at(-1)!
    expect(last(moved.developmentEvents.map((e) => e.occurred_on)) <= TODAY).toBe(true)
    expect(last(moved.supplyContracts.map((c) => c.signed_on)) <= TODAY).toBe(true)
  })

  it('moves the yearly figures by whole years: the last is the year before today\'s', () => {
    expect([...new Set(moved.enterpriseYears.map((y) => y.year))].sort()).toEqual([2023, 2024, 2025])
    demo.enterpriseYears.forEach((y, k) => expect(moved.enterpriseYears[k]).toEqual({ ...y, year: y.year + 1 }))
  })

  it('moves the remote-sensing periods by whole quarters: the story\'s last quarter is today\'s, images inside their quarter and not after today', () => {
    // 2025Q2 → 2026Q4 is six quarters
    const q = (p: string) => Number(p.slice(0, 4)) * 4 + Number(p.slice(5)) - 1
    demo.rsChanges.forEach((r, k) => {
      const m = moved.rsChanges[k]!
      expect(q(m.period) - q(r.period), r.code).toBe(6)
      expect(m.code).toBe(r.code.replace(r.period, m.period))
      const first = `${m.period.slice(0, 4)}-${String(Number(m.period.slice(5)) * 3 - 2).padStart(2, '0')}-01`
      expect(m.image_after >= first && m.image_after <= TODAY, `${m.code} ${m.image_after}`).toBe(true)
      expect(m.image_before < m.image_after).toBe(true)
      if (r.linked_period) {
        expect(q(m.linked_period!) - q(r.linked_period)).toBe(6)
        expect(m.linked_code).toBe(r.linked_code!.replace(r.linked_period, m.linked_period!))
      }
    })
    expect(moved.rsChanges.filter((r) => r.period === '2026Q4').length).toBeGreaterThan(0)
    // the built change cases name their moved periods and codes
    const codes = new Set(moved.rsChanges.map((r) => `${r.period}|${r.code}`))
    for (const c of moved.cases.filter((x) => x.subject === 'change')) expect(codes.has(`${c.period}|${c.code}`), c.id).toBe(true)
  })

  it('is the story itself on its own reference date, and refuses a day before it', () => {
    expect(sha(generateDemo({ today: REFERENCE_DATE }))).toBe(sha(demo))
    expect(() => generateDemo({ today: '2025-06-29' })).toThrow(/on or after/)
  })
})
