/** The cluster KPIs of §一(二)4 through the API, against values computed here by hand: energy per
 * 万元 of value added and its fall on the previous year against 5%, and the share of above-scale
 * enterprises using land in the cluster with intelligent retrofits against 62%. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { boxAt, ensureCounty, figures, firmCode, grant, insertCluster, insertFirm, insertParcelBox, lease } from '../../test/permu-land'

let t: TestApp
let analyst: { authorization: string }
const A = '410311'
const ORIGIN: [number, number] = [112.45, 34.60]
const [EA, EB, EC, ED] = [firmCode(60), firmCode(61), firmCode(62), firmCode(63)]

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await ensureCounty(db, A, '洛龙区')
  await insertCluster(db, { code: 'kpi', county: A, target: 15, box: boxAt(ORIGIN, -100, -100, 1000, 400) })
  await insertFirm(db, EA, '改造一有限公司', A, { aboveScale: true, retrofit: true })
  await insertFirm(db, EB, '未改造有限公司', A, { aboveScale: true, retrofit: false })
  await insertFirm(db, EC, '规下有限公司', A, { aboveScale: false, retrofit: true })
  await insertFirm(db, ED, '承租改造有限公司', A, { aboveScale: true, retrofit: true })
  const pa = await insertParcelBox(db, { code: 'KA', county: A, cluster: 'kpi', box: boxAt(ORIGIN, 0, 0, 100, 100) })
  const pb = await insertParcelBox(db, { code: 'KB', county: A, cluster: 'kpi', box: boxAt(ORIGIN, 200, 0, 100, 100) })
  const pc = await insertParcelBox(db, { code: 'KC', county: A, cluster: 'kpi', box: boxAt(ORIGIN, 400, 0, 100, 100) })
  await grant(db, { no: 'K-A', parcelId: pa, county: A, landUser: EA, signedOn: '2019-01-01' })
  await grant(db, { no: 'K-B', parcelId: pb, county: A, landUser: EB, signedOn: '2019-01-01' })
  await grant(db, { no: 'K-C', parcelId: pc, county: A, landUser: EC, signedOn: '2019-01-01' })
  // ED rents on KA from 2024: an above-scale enterprise using land in the cluster in 2024 only
  await lease(db, { parcelId: pa, county: A, landholder: EA, tenant: ED, startsOn: '2024-03-01' })
  await figures(db, EA, 2023, { tax: 10, valueAdded: 1000, energy: 500 })
  await figures(db, EB, 2023, { tax: 10, valueAdded: 500, energy: 300 })
  await figures(db, EA, 2024, { tax: 10, valueAdded: 1100, energy: 480 })
  await figures(db, EB, 2024, { tax: 10, valueAdded: 600, energy: 290 })
  // EC reported no energy in 2024: its land is left out of the intensity that year
  await figures(db, EC, 2024, { tax: 10, valueAdded: 999, energy: null })
  analyst = await t.loginAs('analyst', null)
})
afterAll(async () => t?.close())

describe('§一(二)4 cluster KPIs', () => {
  it('energy per 万元 of value added and its fall on the previous year, against 5%', async () => {
    const res = await t.app.inject({ url: '/api/permu/kpis?year=2024&from=2023&asOf=2025-06-30', headers: analyst })
    expect(res.statusCode, res.body).toBe(200)
    const kpi = res.json().items.find((i: { code: string }) => i.code === 'kpi')
    const [y23, y24] = kpi.years
    const i23 = (500 + 300) / (1000 + 500)
    const i24 = (480 + 290) / (1100 + 600)
    expect(y23.energy_intensity).toBeCloseTo(i23, 6)
    expect(y24.energy_intensity).toBeCloseTo(i24, 6)
    expect(y24.intensity_decline).toBeCloseTo(1 - i24 / i23, 6)
    expect(y24.decline_target).toBe(0.05)
    expect(y24.decline_met).toBe(1 - i24 / i23 >= 0.05)
    expect(y23.intensity_decline).toBeNull() // no 2022 figures
  })

  it('the share of above-scale enterprises with intelligent retrofits, against 62%', async () => {
    const kpi = (await t.app.inject({ url: '/api/permu/kpis?year=2024&from=2023&asOf=2025-06-30', headers: analyst })).json()
      .items.find((i: { code: string }) => i.code === 'kpi')
    const [y23, y24] = kpi.years
    // 2023: EA (retrofitted) and EB (not); EC is below scale
    expect(y23).toMatchObject({ above_scale: 2, retrofitted: 1, retrofit_share: 0.5, retrofit_target: 0.62, retrofit_met: false })
    // 2024: ED rents on KA as well
    expect(y24).toMatchObject({ above_scale: 3, retrofitted: 2, retrofit_share: 0.6667, retrofit_met: true })
  })
})
