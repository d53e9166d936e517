/** The small hand-built world of the per-mu tests (annex 3 art. 14): two counties with one cluster
 * each, a parcel leased to two tenants (and a third tenant with land of its own), an enterprise on
 * two parcels, a parcel outside every cluster, a contract terminated before the year, a land user
 * without figures. Every expected value of the tests is computed from these numbers by hand. */
import type { Db } from '../db/pgp'
import {
  boxAreaM2, boxAt, ensureCounty, figures, firmCode, grant, insertCluster, insertFirm, insertParcelBox, lease, muOf, type Box,
} from './permu-land'

export const A = '410311'
export const B = '410324'
export const ORIGIN_A: [number, number] = [112.45, 34.60]
export const ORIGIN_B: [number, number] = [111.60, 33.80]

export const H = firmCode(1)   // landholder of P1
export const T1 = firmCode(2)  // tenant on P1 all of 2024
export const T2 = firmCode(3)  // tenant on P1 from 2024-07-01
export const T3 = firmCode(4)  // rents on P1 but holds P7: counted on P7 only
export const E2 = firmCode(5)  // holds P2 and P3
export const E5 = firmCode(6)  // holds P5, in county A outside every cluster
export const E6 = firmCode(7)  // holds P6 in county B
export const EX = firmCode(8)  // held P8 until its contract was terminated in 2023
export const EN = firmCode(9)  // holds P4, no figures

export const boxes: Record<string, Box> = {
  P1: boxAt(ORIGIN_A, 0, 0, 200, 100),
  P2: boxAt(ORIGIN_A, 0, 200, 150, 100),
  P3: boxAt(ORIGIN_A, 300, 200, 100, 100),
  P4: boxAt(ORIGIN_A, 300, 0, 100, 100),
  P7: boxAt(ORIGIN_A, 500, 0, 50, 100),
  P8: boxAt(ORIGIN_A, 600, 0, 100, 100),
  P5: boxAt(ORIGIN_A, 3000, 3000, 100, 80),
  P6: boxAt(ORIGIN_B, 0, 0, 100, 100),
}
export const mu = Object.fromEntries(Object.entries(boxes).map(([k, b]) => [k, muOf(boxAreaM2(b))])) as Record<string, number>

/** Inserts the world; returns the parcel ids by code. */
export async function buildWorld(db: Db): Promise<Record<string, number>> {
  await ensureCounty(db, A, '洛龙区')
  await ensureCounty(db, B, '栾川县')
  await insertCluster(db, { code: 'luolong', county: A, target: 15, box: boxAt(ORIGIN_A, -100, -100, 1000, 600) })
  await insertCluster(db, { code: 'luanchuan', county: B, target: 20, box: boxAt(ORIGIN_B, -100, -100, 400, 400) })
  const id: Record<string, number> = {}
  for (const [code, box] of Object.entries(boxes)) {
    const county = code === 'P6' ? B : A
    id[code] = await insertParcelBox(db, { code, county, cluster: code === 'P5' ? null : county === A ? 'luolong' : 'luanchuan', box })
  }
  for (const [code, name, county] of [[H, '洛阳厂房投资有限公司', A], [T1, '承租一有限公司', A], [T2, '承租二有限公司', A],
    [T3, '承租三有限公司', A], [E2, '两宗地有限公司', A], [E5, '区外有限公司', A], [E6, '栾川钼业有限公司', B],
    [EX, '已收回有限公司', A], [EN, '未报数有限公司', A]] as const) {
    await insertFirm(db, code, name, county)
  }
  await grant(db, { no: 'G-P1', parcelId: id.P1!, county: A, landUser: H, signedOn: '2019-01-01' })
  await grant(db, { no: 'G-P2', parcelId: id.P2!, county: A, landUser: E2, signedOn: '2019-01-01' })
  await grant(db, { no: 'G-P3', parcelId: id.P3!, county: A, landUser: E2, signedOn: '2020-06-01' })
  await grant(db, { no: 'G-P4', parcelId: id.P4!, county: A, landUser: EN, signedOn: '2020-06-01' })
  await grant(db, { no: 'G-P5', parcelId: id.P5!, county: A, landUser: E5, signedOn: '2019-01-01' })
  await grant(db, { no: 'G-P6', parcelId: id.P6!, county: B, landUser: E6, signedOn: '2019-01-01' })
  await grant(db, { no: 'G-P7', parcelId: id.P7!, county: A, landUser: T3, signedOn: '2019-01-01' })
  await grant(db, { no: 'G-P8', parcelId: id.P8!, county: A, landUser: EX, signedOn: '2019-01-01', terminatedOn: '2023-10-01' })
  await lease(db, { parcelId: id.P1!, county: A, landholder: H, tenant: T1, startsOn: '2024-01-01' })
  await lease(db, { parcelId: id.P1!, county: A, landholder: H, tenant: T2, startsOn: '2024-07-01' })
  await lease(db, { parcelId: id.P1!, county: A, landholder: H, tenant: T3, startsOn: '2023-01-01' })
  // 2024: tax paid + refunds (万元), output
  await figures(db, H, 2024, { tax: 100, refund: 20, output: 1000 })
  await figures(db, T1, 2024, { tax: 50, output: 500 })
  await figures(db, T2, 2024, { tax: 30, refund: 10, output: 300 })
  await figures(db, T3, 2024, { tax: 70, output: 700 })
  await figures(db, E2, 2024, { tax: 300, output: 2400 })
  await figures(db, E5, 2024, { tax: 40, refund: 5, output: null })
  await figures(db, E6, 2024, { tax: 100, output: 900 })
  await figures(db, EX, 2024, { tax: 999, output: 9999 })
  // 2023: the landholder alone (T1 and T2 had no lease yet; T3 is on its own land)
  await figures(db, H, 2023, { tax: 90, output: 800 })
  await figures(db, T3, 2023, { tax: 60, output: 600 })
  return id
}
