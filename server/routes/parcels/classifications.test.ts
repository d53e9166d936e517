/** The card shows the analysis engine's classifications, and search filters by them
 * (DOMAIN.md "Classifications the system computes"): a parcel not started more than a year after its agreed start date is idle
 * (闲置土地处置办法 2012 art. 2); one started on time is not. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { COUNTY_A, insertContract, insertParcel, seedPlaces } from '../../test/land'

let t: TestApp

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await seedPlaces(db)
  const idle = await insertParcel(db, { code: 'CLS-IDLE', stage: 'supplied', lon: 112.45, lat: 34.6 })
  const started = await insertParcel(db, { code: 'CLS-BUSY', stage: 'under_construction', lon: 112.46, lat: 34.6 })
  // agreed start 2019-09-01 and nothing since: years past the one-year limit at any "today" of this test
  await insertContract(db, { no: 'CLS-C1', parcelId: idle })
  await insertContract(db, { no: 'CLS-C2', parcelId: started })
  await db.none(`INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan)
    VALUES ($1, $2, 'start', '2019-08-20', 12000, 5000), ($1, $2, 'completion', '2021-06-01', 12000, 5000)`, [started, COUNTY_A])
})
afterAll(async () => t.close())

describe('classifications on the card and in search', () => {
  it('the card of an idle parcel names the rule that fired and why', async () => {
    const h = await t.loginAs('surveyor', [COUNTY_A])
    const card = (await t.app.inject({ url: '/api/parcels/CLS-IDLE', headers: h })).json()
    const idle = card.properties.classifications.filter((c: { classification: string }) => c.classification === 'idle')
    expect(idle).toHaveLength(1)
    expect(idle[0].rule).toBe('idle.not_started')
    expect(idle[0].suspended).toBe(false)
    expect(JSON.stringify(idle[0].reason)).toContain('2019-09-01')
    const busy = (await t.app.inject({ url: '/api/parcels/CLS-BUSY', headers: h })).json()
    expect(busy.properties.classifications.map((c: { classification: string }) => c.classification)).not.toContain('idle')
  })

  it('reads the same classifications from the materialised snapshot as it computes live', async () => {
    const h = await t.loginAs('analyst', [COUNTY_A])
    const live = (await t.app.inject({ url: '/api/parcels/CLS-IDLE', headers: h })).json().properties.classifications
    // the start-up and timer path: moves the snapshot to today once, then finds it current
    expect((await t.database.db.analysis.refreshIfStale())?.findings).toBeGreaterThan(0)
    expect(await t.database.db.analysis.refreshIfStale()).toBeNull()
    const stored = (await t.app.inject({ url: '/api/parcels/CLS-IDLE', headers: h })).json().properties.classifications
    expect(stored).toEqual(live)
    expect(stored.length).toBeGreaterThan(0)
  })

  it('kind=idle lists the idle parcel and not the started one; an unknown kind is a 400 naming the field', async () => {
    const h = await t.loginAs('analyst', [COUNTY_A])
    const res = await t.app.inject({ url: '/api/parcels?kind=idle', headers: h })
    expect(res.statusCode).toBe(200)
    const codes = res.json().features.map((f: { id: string }) => f.id)
    expect(codes).toEqual(['CLS-IDLE'])
    const bad = await t.app.inject({ url: '/api/parcels?kind=lazy', headers: h })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('kind')
  })
})
