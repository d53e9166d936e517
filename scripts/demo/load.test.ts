/** loadDemo against a real PostGIS (the run's throwaway cluster, server/test/pg-cluster.ts): fails,
 * never skips, when PostgreSQL or PostGIS is missing. */
import * as turf from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../server/test/db'
import { CASE_PARCELS, caseBatchNo, caseParcelCode } from './cases'
import { type DemoData, generateDemo } from './generate'
import { loadDemo } from './load'

const TABLES: [string, keyof DemoData][] = [
  ['county', 'counties'],
  ['cluster', 'clusters'],
  ['plan_zone', 'planZones'],
  ['approval_batch', 'approvalBatches'],
  ['enterprise', 'enterprises'],
  ['parcel', 'parcels'],
  ['supply_contract', 'supplyContracts'],
  ['contract_indicator', 'contractIndicators'],
  ['development_event', 'developmentEvents'],
  ['lease', 'leases'],
  ['enterprise_year', 'enterpriseYears'],
  ['county_rule', 'countyRules'],
  ['rs_change', 'rsChanges'],
  ['disposal_ledger', 'disposalLedger'],
  ['parcel_flag', 'parcelFlags'],
]

describe('loadDemo into PostGIS', () => {
  let database: TestDatabase
  let data: DemoData
  let counts: Record<string, number>
  // The migrations seed some rows of their own (the city-wide county rules).
  const before: Record<string, number> = {}
  const rowCount = (table: string) => database.db.one('SELECT count(*)::int AS n FROM $1:name', [table], (r: { n: number }) => r.n)

  beforeAll(async () => {
    database = await createTestDatabase()
    for (const [table] of TABLES) before[table] = await rowCount(table)
    data = generateDemo()
    const t0 = performance.now()
    counts = await loadDemo(database.db, data)
    console.log(`demo load (${data.parcels.length} parcels) on PostgreSQL: ${(performance.now() - t0).toFixed(0)} ms`)
  })
  afterAll(async () => {
    await database?.drop()
  })

  it('inserts every row of every table and says so', async () => {
    for (const [table, key] of TABLES) {
      const expected = (data[key] as unknown[]).length
      expect(counts[table], table).toBe(expected)
      expect((await rowCount(table)) - before[table]!, table).toBe(expected)
    }
  })

  it('computes cluster areas that match turf.area of the same polygon within 0.5 %', async () => {
    const rows: { code: string; area_m2: number }[] = await database.db.any('SELECT code, area_m2 FROM cluster')
    expect(rows).toHaveLength(18)
    for (const r of rows) {
      const turfArea = turf.area(data.clusters.find((c) => c.code === r.code)!.boundary)
      expect(Math.abs(r.area_m2 - turfArea) / turfArea, r.code).toBeLessThan(0.005)
    }
  })

  it('computes parcel areas that match turf.area within 0.5 %', async () => {
    const rows: { code: string; area_m2: number }[] = await database.db.any('SELECT code, area_m2 FROM parcel')
    const byCode = new Map(data.parcels.map((p) => [p.code, p]))
    for (const r of rows) {
      const turfArea = turf.area(byCode.get(r.code)!.geom)
      expect(Math.abs(r.area_m2 - turfArea) / turfArea, r.code).toBeLessThan(0.005)
    }
  })

  it('states the built parcels’ areas (ellipsoidal box formula) within 0.01 m² of PostGIS', async () => {
    const exact = CASE_PARCELS.filter((p) => p.timeline.statedAreaFactor === 1).map((p) => caseParcelCode(p.key))
    const worst = await database.db.one(
      'SELECT count(*)::int AS n, max(abs(stated_area_m2 - area_m2)) AS d FROM parcel WHERE code = ANY($1)', [exact],
    )
    expect(worst.n).toBe(exact.length)
    expect(worst.d).toBeLessThan(0.01)
  })

  it('puts every cluster, and every parcel, batch, plan zone and change recorded in a county, inside that county\'s real outline', async () => {
    // fixtures/luoyang-counties.geojson, loaded with the migrations (server/db/reference.ts)
    const outside = await database.db.one(`SELECT
        (SELECT array_agg(c.code ORDER BY c.code) FROM cluster c JOIN county_boundary b ON b.code = c.county_code WHERE NOT ST_CoveredBy(c.boundary, b.geom)) AS clusters,
        (SELECT count(*)::int FROM parcel x JOIN county_boundary b ON b.code = x.county_code WHERE NOT ST_CoveredBy(x.geom, b.geom)) AS parcels,
        (SELECT count(*)::int FROM approval_batch x JOIN county_boundary b ON b.code = x.county_code WHERE NOT ST_CoveredBy(x.geom, b.geom)) AS batches,
        (SELECT count(*)::int FROM plan_zone x JOIN county_boundary b ON b.code = x.county_code WHERE NOT ST_CoveredBy(x.geom, b.geom)) AS zones,
        (SELECT count(*)::int FROM rs_change x JOIN county_boundary b ON b.code = x.county_code WHERE NOT ST_CoveredBy(x.geom, b.geom)) AS changes,
        (SELECT count(*)::int FROM cluster c LEFT JOIN county_boundary b ON b.code = c.county_code WHERE b.code IS NULL) AS unknown_county`)
    expect(outside).toEqual({ clusters: null, parcels: 0, batches: 0, zones: 0, changes: 0, unknown_county: 0 })
  })

  it('resolves natural keys to the right rows', async () => {
    const wrong = await database.db.one(
      `SELECT
         (SELECT count(*) FROM supply_contract s JOIN parcel p ON p.id = s.parcel_id WHERE p.county_code <> s.county_code)::int AS contracts,
         (SELECT count(*) FROM development_event e JOIN parcel p ON p.id = e.parcel_id WHERE p.county_code <> e.county_code)::int AS events,
         (SELECT count(*) FROM contract_indicator i LEFT JOIN supply_contract s ON s.id = i.contract_id WHERE s.id IS NULL)::int AS indicators`,
    )
    expect(wrong).toEqual({ contracts: 0, events: 0, indicators: 0 })
    const byCode = new Map(data.supplyContracts.map((c) => [c.contract_no, c]))
    const rows: { contract_no: string; code: string }[] = await database.db.any(
      'SELECT s.contract_no, p.code FROM supply_contract s JOIN parcel p ON p.id = s.parcel_id',
    )
    for (const r of rows) expect(r.code).toBe(byCode.get(r.contract_no)!.parcel_code)
    const linked: { n: number; earlier: number } = await database.db.one(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE l.period < c.period)::int AS earlier
         FROM rs_change c JOIN rs_change l ON l.id = c.linked_to`,
    )
    expect(linked.n).toBe(data.rsChanges.filter((c) => c.linked_code !== null).length)
    expect(linked.earlier).toBe(linked.n)
  })

  it('records every row in the event log as system:demo', async () => {
    const logged = ['cluster', 'plan_zone', 'approval_batch', 'enterprise', 'parcel', 'supply_contract', 'contract_indicator',
      'development_event', 'lease', 'enterprise_year', 'county_rule', 'disposal_ledger', 'parcel_flag']
    const rows: { entity: string; n: number }[] = await database.db.any(
      "SELECT entity, count(*)::int AS n FROM event_log WHERE actor = 'system:demo' GROUP BY entity",
    )
    for (const table of logged) expect(rows.find((r) => r.entity === table)?.n, table).toBe(counts[table])
  })

  it('keeps the 1 mm and 5 cm slivers of the built batches through the load', async () => {
    const remainder = (approvalNo: string) =>
      database.db.one(
        `SELECT ST_Area(ST_Difference(b.geom, ST_Union(p.geom))::geography) AS m2
           FROM approval_batch b JOIN parcel p ON ST_Intersects(p.geom, b.geom)
           JOIN supply_contract s ON s.parcel_id = p.id
          WHERE b.approval_no = $1 GROUP BY b.geom`,
        [approvalNo],
        (r: { m2: number }) => r.m2,
      )
    expect(await remainder(caseBatchNo('exact-cover'))).toBeLessThan(1e-6)
    const mm = await remainder(caseBatchNo('sliver-1mm'))
    expect(mm).toBeGreaterThan(0.1)
    expect(mm).toBeLessThan(1)
    expect(await remainder(caseBatchNo('sliver-5cm'))).toBeCloseTo(12, 0)
  })

  it('loads nothing when any row fails (one transaction)', async () => {
    const other = await createTestDatabase()
    try {
      const broken = { ...data, parcels: [...data.parcels, data.parcels[0]!] } // duplicate 宗地编号
      await expect(loadDemo(other.db, broken)).rejects.toThrow(/parcel_code_key|duplicate/)
      const n = await other.db.one(
        "SELECT (SELECT count(*) FROM county) + (SELECT count(*) FROM event_log WHERE actor = 'system:demo') AS n", [], (r: { n: number }) => Number(r.n))
      expect(n).toBe(0)
    } finally {
      await other.drop()
    }
  })
})
