/** The standard-land pilot shares (annex 2 art. 5) through the API, against values computed here by
 * hand: the share of industrial land granted in a year that was sold as standard land, per cluster,
 * county and the city, against ≥ 20% in 2021 and 100% from 2023 (after the end of 2022). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { boxAreaM2, boxAt, ensureCounty, grant, insertCluster, insertParcelBox, muOf, type Box } from '../../test/permu-land'

let t: TestApp
let analyst: { authorization: string }
const A = '410311'
const ORIGIN: [number, number] = [112.45, 34.60]
const boxes: Record<string, Box> = {
  S21: boxAt(ORIGIN, 0, 0, 100, 100), N21: boxAt(ORIGIN, 200, 0, 200, 100), R21: boxAt(ORIGIN, 500, 0, 100, 100),
  X21: boxAt(ORIGIN, 700, 0, 100, 100), S23: boxAt(ORIGIN, 0, 200, 100, 100), N23: boxAt(ORIGIN, 200, 200, 100, 50),
}
const mu = (k: string) => muOf(boxAreaM2(boxes[k]!))

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await ensureCounty(db, A, '洛龙区')
  await insertCluster(db, { code: 'pilot', county: A, target: 15, box: boxAt(ORIGIN, -100, -100, 1000, 500) })
  const id: Record<string, number> = {}
  for (const [code, box] of Object.entries(boxes)) id[code] = await insertParcelBox(db, { code, county: A, cluster: 'pilot', box })
  await grant(db, { no: 'S-2021', parcelId: id.S21!, county: A, landUser: null, signedOn: '2021-05-01', standard: true })
  await grant(db, { no: 'N-2021', parcelId: id.N21!, county: A, landUser: null, signedOn: '2021-08-01' })
  // not industrial: not counted
  await grant(db, { no: 'R-2021', parcelId: id.R21!, county: A, landUser: null, signedOn: '2021-09-01', landUse: '城镇住宅用地' })
  // terminated later: still sold in 2021
  await grant(db, { no: 'X-2021', parcelId: id.X21!, county: A, landUser: null, signedOn: '2021-11-01', terminatedOn: '2023-01-01' })
  await grant(db, { no: 'S-2023', parcelId: id.S23!, county: A, landUser: null, signedOn: '2023-02-01', standard: true })
  await grant(db, { no: 'N-2023', parcelId: id.N23!, county: A, landUser: null, signedOn: '2023-03-01' })
  // an allocation (划拨) is not a sale
  await db.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_use, signed_on)
    VALUES ('A-2023', $1, $2, 'allocation', '工业用地', '2023-04-01')`, [id.R21, A])
  analyst = await t.loginAs('analyst', null)
})
afterAll(async () => t?.close())

describe('standard-land pilot shares', () => {
  it('per cluster and year, by area and by count, against the target of the year', async () => {
    const res = await t.app.inject({ url: '/api/standard-land/shares?year=2023&from=2021&asOf=2025-06-30', headers: analyst })
    expect(res.statusCode, res.body).toBe(200)
    const pilot = res.json().clusters.find((c: { code: string }) => c.code === 'pilot')
    const [y21, y22, y23] = pilot.years
    const sold21 = mu('S21') + mu('N21') + mu('X21')
    expect(y21).toMatchObject({ year: 2021, sold: 3, standard: 1, target: 0.2, contracts: ['S-2021'] })
    expect(y21.sold_mu).toBeCloseTo(sold21, 4)
    expect(y21.share_area).toBeCloseTo(mu('S21') / sold21, 4)
    expect(y21.share_count).toBeCloseTo(1 / 3, 4)
    expect(y21.met).toBe(mu('S21') / sold21 >= 0.2)
    expect(y22).toMatchObject({ year: 2022, sold: 0, share_area: null, target: 0.2, met: null })
    expect(y23).toMatchObject({ year: 2023, sold: 2, standard: 1, target: 1, met: false })
    expect(y23.share_area).toBeCloseTo(mu('S23') / (mu('S23') + mu('N23')), 4)
    const city = res.json().city.years[2]
    expect(city).toMatchObject({ sold: 2, standard: 1, met: false })
  })

  it('counts only contracts signed by asOf', async () => {
    const res = await t.app.inject({ url: '/api/standard-land/shares?year=2023&from=2023&asOf=2023-02-15', headers: analyst })
    expect(res.json().clusters[0].years[0]).toMatchObject({ sold: 1, standard: 1, share_count: 1, met: true })
  })
})
