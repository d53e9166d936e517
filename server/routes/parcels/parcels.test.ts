/** Parcels: the card (一宗一卡), the file (一地一档), search, edits with optimistic concurrency,
 * retirement, development events, county scope and the hiding of tax, output and price. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as turf from '@turf/turf'
import { createTestApp, type TestApp } from '../../test/app'
import {
  COUNTY_A, COUNTY_B, creditCode, insertContract, insertEnterprise, insertParcel, seedPlaces, squareGeoJson, squareWkt,
} from '../../test/land'

let t: TestApp
type Headers = { authorization: string }
let admin: Headers, analyst: Headers, surveyorA: Headers, surveyorB: Headers, inspectorA: Headers

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.database.db)
  admin = await t.loginAs('admin', null)
  analyst = await t.loginAs('analyst', null)
  surveyorA = await t.loginAs('surveyor', [COUNTY_A])
  surveyorB = await t.loginAs('surveyor', [COUNTY_B])
  inspectorA = await t.loginAs('inspector', [COUNTY_A])
})
afterAll(async () => t.close())

const SENSITIVE = /tax_paid_wan|tax_refund_wan|output_wan|value_added_wan|profit_wan|price_wan|energy_tce|"rating"|"employment"|tax_per_mu/

const get = (url: string, headers?: Headers) => t.app.inject({ method: 'GET', url, headers })
const patch = (url: string, headers: Headers, version: number | null, payload: unknown) =>
  t.app.inject({ method: 'PATCH', url, headers: { ...headers, ...(version === null ? {} : { 'if-match': `"${version}"` }) }, payload: payload as object })

/** turf's spherical area (mean Earth radius) — independent of PostGIS; within 0.5% of the ellipsoidal area at 34°N. */
const turfArea = (g: { type: 'Polygon'; coordinates: number[][][] }) => turf.area(turf.polygon(g.coordinates))

describe('the card of a parcel with a full life cycle (一宗一卡)', () => {
  const LAND_USER = creditCode(101)
  const TENANT = creditCode(102)

  beforeAll(async () => {
    const db = t.database.db
    const id = await insertParcel(db, { code: 'LL-FULL', lon: 112.45, lat: 34.60, size: 0.002, stage: 'producing', landUse: '工业用地' })
    await db.none(`INSERT INTO approval_batch (approval_no, name, county_code, cluster_code, approved_on, geom)
      VALUES ('豫政土〔2018〕100号', '2018年度第十批次', $1, 'luolong', '2018-05-10', ST_GeomFromText($2, 4490))`,
    [COUNTY_A, squareWkt(112.449, 34.599, 0.01)])
    await db.none(`INSERT INTO plan_zone (cluster_code, county_code, zone_type, name, geom) VALUES
      ('luolong', $1, 'industrial', '装备制造片区', ST_GeomFromText($2, 4490)),
      ('luolong', $1, 'green', '防护绿地', ST_GeomFromText($3, 4490))`,
    // the green zone only touches the parcel's east edge: it is not "on" it
    [COUNTY_A, squareWkt(112.44, 34.59, 0.05), squareWkt(112.452, 34.60, 0.002)])
    await insertEnterprise(db, LAND_USER, '洛阳中信重工机械股份有限公司')
    await insertEnterprise(db, TENANT, '洛阳(栾川)钼业集团有限公司', COUNTY_B)
    await insertContract(db, { no: 'LL-2018-009', parcelId: id, landUser: null, signedOn: '2018-06-01', terminatedOn: '2018-12-01' })
    const contract = await insertContract(db, { no: 'LL-2019-001', parcelId: id, landUser: LAND_USER, signedOn: '2019-03-01', price: 1234.5, standard: true })
    await db.none(`INSERT INTO contract_indicator (contract_id, indicator, unit, direction, value, is_core) VALUES
      ($1, 'plot_ratio', '', 'min', 1.0, true), ($1, 'green_ratio', '%', 'max', 20, false)`, [contract])
    await db.none(`INSERT INTO lease (parcel_id, county_code, landholder_code, tenant_code, starts_on) VALUES ($1, $2, $3, $4, '2022-01-01')`,
      [id, COUNTY_A, LAND_USER, TENANT])
    await db.none(`INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan, measured) VALUES
      ($1, $2, 'start', '2019-10-01', NULL, NULL, NULL),
      ($1, $2, 'progress', '2020-06-01', 5000, 2000, NULL),
      ($1, $2, 'completion', '2021-08-01', 12000, 4800, NULL),
      ($1, $2, 'completion_acceptance', '2021-10-01', NULL, NULL, '{"plot_ratio": 1.3}'),
      ($1, $2, 'production_acceptance', '2022-03-01', NULL, NULL, '{"tax_per_mu": 28.5, "plot_ratio": 1.3}'),
      ($1, $2, 'inspection', '2023-05-01', NULL, NULL, NULL)`, [id, COUNTY_A])
    await db.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, output_wan, employment, profit_wan, rating) VALUES
      ($1, 2022, 300, 9000, 210, 500, 'B'), ($1, 2023, 420, 9800, 230, 650, 'A'), ($2, 2023, 55, 1200, 40, 80, 'B')`, [LAND_USER, TENANT])
    await db.none(`INSERT INTO alert (type, severity, status, parcel_id, county_code) VALUES
      ('construction_on_idle', 'medium', 'new', $1, $2), ('no_change_after_start_date', 'low', 'closed', $1, $2)`, [id, COUNTY_A])
    await db.none(`INSERT INTO disposal_ledger (parcel_id, county_code, measure, cause, deadline, responsible_unit, completed_on) VALUES
      ($1, $2, '二次开发', '产出未达标', '2023-12-31', '洛龙区自然资源局', NULL),
      ($1, $2, '闲置费', '逾期未动工', '2020-06-30', '洛龙区自然资源局', '2020-05-20')`, [id, COUNTY_A])
  })

  it('shows the present state in one place: place, plan zone, batch, supply, users, development, alerts, ledger', async () => {
    const res = await get('/api/parcels/LL-FULL', analyst)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/geo\+json/)
    expect(res.headers.etag).toBe('"1"')
    const card = res.json()
    expect(card.type).toBe('Feature')
    const p = card.properties
    expect(p).toMatchObject({
      code: 'LL-FULL', county_code: COUNTY_A, county_name: '洛龙区', cluster_code: 'luolong', cluster_name: '洛龙产业集聚区',
      stage: 'producing', land_use: '工业用地', version: 1, retired_at: null, classifications: [],
    })
    // area: 0.002° square at 34.6°N, against turf's spherical area (independent of PostGIS), 0.5%
    const expected = turfArea(squareGeoJson(112.45, 34.60, 0.002))
    expect(Math.abs(p.area_m2 - expected) / expected).toBeLessThan(0.005)
    expect(p.area_mu).toBeCloseTo(p.area_m2 * 15 / 10000, 3)
    // the industrial zone covers it; the green one only touches its edge
    expect(p.plan_zones).toHaveLength(1)
    expect(p.plan_zones[0]).toMatchObject({ zone_type: 'industrial', name: '装备制造片区' })
    expect(Math.abs(p.plan_zones[0].overlap_m2 - p.area_m2) / p.area_m2).toBeLessThan(1e-6)
    expect(p.approval_batches).toEqual([expect.objectContaining({ approval_no: '豫政土〔2018〕100号', approved_on: '2018-05-10' })])
    expect(p.land_user).toMatchObject({ credit_code: LAND_USER, name: '洛阳中信重工机械股份有限公司' })
    expect(p.tenants).toEqual([expect.objectContaining({ tenant_code: TENANT, tenant_name: '洛阳(栾川)钼业集团有限公司', landholder_code: LAND_USER })])
    expect(p.contracts.map((c: { contract_no: string; current: boolean }) => [c.contract_no, c.current]))
      .toEqual([['LL-2019-001', true], ['LL-2018-009', false]])
    expect(p.contracts[0]).toMatchObject({ is_standard_land: true, agreed_start_on: '2019-09-01', price_wan: 1234.5 })
    expect(p.contracts[0].indicators).toEqual([
      { indicator: 'plot_ratio', unit: '', direction: 'min', value: 1, is_core: true },
      { indicator: 'green_ratio', unit: '%', direction: 'max', value: 20, is_core: false },
    ])
    expect(p.development).toMatchObject({
      started_on: '2019-10-01', completed_on: '2021-08-01', completion_accepted_on: '2021-10-01',
      production_accepted_on: '2022-03-01', last_inspection_on: '2023-05-01', halted_since: null,
      developed_area_m2: 12000, invested_wan: 4800,
    })
    expect(p.development.events.map((e: { kind: string }) => e.kind)).toEqual(
      ['start', 'progress', 'completion', 'completion_acceptance', 'production_acceptance', 'inspection'])
    expect(p.alerts).toEqual([expect.objectContaining({ type: 'construction_on_idle', status: 'new' })])
    const [overdue, done] = p.ledger
    expect(overdue).toMatchObject({ measure: '二次开发', cause: '产出未达标', deadline: '2023-12-31', overdue: true })
    expect(overdue.days_overdue).toBeGreaterThan(300)
    expect(done).toMatchObject({ measure: '闲置费', overdue: false, days_overdue: null })
    // annex 3 art. 14: the land user's latest year and the tenant's
    expect(p.figures).toEqual([
      expect.objectContaining({ credit_code: LAND_USER, relation: 'land_user', year: 2023, tax_paid_wan: 420, output_wan: 9800 }),
      expect.objectContaining({ credit_code: TENANT, relation: 'tenant', year: 2023, tax_paid_wan: 55 }),
    ])
    expect(p.development.events[4].measured).toEqual({ tax_per_mu: 28.5, plot_ratio: 1.3 })
  })

  it('never shows tax, output or price to a surveyor', async () => {
    const res = await get('/api/parcels/LL-FULL', surveyorA)
    expect(res.statusCode).toBe(200)
    const p = res.json().properties
    expect(p).not.toHaveProperty('figures')
    expect(p.contracts[0]).not.toHaveProperty('price_wan')
    expect(p.development.events[4].measured).toEqual({ plot_ratio: 1.3 })
    expect(res.body).not.toMatch(SENSITIVE)
    // the other parts are the same card
    expect(p.contracts[0].contract_no).toBe('LL-2019-001')
    expect(p.tenants).toHaveLength(1)
    const file = await get('/api/parcels/LL-FULL/history', surveyorA)
    expect(file.statusCode).toBe(200)
    expect(file.body).not.toMatch(SENSITIVE)
    expect(file.json().events.some((e: { type: string }) => e.type === 'figures')).toBe(false)
  })

  it('lists every dated event of the file in order, the approval first', async () => {
    const res = await get('/api/parcels/LL-FULL/history', analyst)
    const events: { type: string; on: string; entity: string }[] = res.json().events
    const dates = events.map((e) => e.on)
    expect([...dates].sort()).toEqual(dates)
    expect(events[0]).toMatchObject({ type: 'approval', on: '2018-05-10', entity: 'approval_batch' })
    const types = new Set(events.map((e) => e.type))
    for (const type of ['approval', 'registration', 'supply', 'contract_indicator', 'development', 'inspection', 'lease', 'alert', 'disposal', 'figures']) {
      expect(types, type).toContain(type)
    }
    const supplies = events.filter((e) => e.type === 'supply').map((e) => e.on)
    expect(supplies).toEqual(['2018-06-01', '2019-03-01'])
    expect(events.filter((e) => e.type === 'figures')).toHaveLength(3)
  })
})

describe('search', () => {
  const YITUO = creditCode(201)
  const MOLY = creditCode(202)

  beforeAll(async () => {
    const db = t.database.db
    await insertParcel(db, { code: 'S-A-001', lon: 112.50, lat: 34.65, stage: 'approved' })
    const a2 = await insertParcel(db, { code: 'S-A-002', lon: 112.52, lat: 34.65, stage: 'supplied' })
    const a3 = await insertParcel(db, { code: 'S-A-003', lon: 112.54, lat: 34.65, stage: 'producing' })
    await insertParcel(db, { code: 'S-B-001', county: COUNTY_B, stage: 'supplied', lon: 111.62, lat: 33.82 })
    const retired = await insertParcel(db, { code: 'S-A-009', lon: 112.56, lat: 34.65 })
    await db.none(`UPDATE parcel SET retired_at = now(), retired_reason = '重复录入' WHERE id = $1`, [retired])
    await insertEnterprise(db, YITUO, '中国一拖集团有限公司')
    await insertEnterprise(db, MOLY, '洛阳(栾川)钼业集团股份有限公司')
    await insertContract(db, { no: 'HT-2020-007', parcelId: a2, landUser: YITUO })
    await insertContract(db, { no: 'HT-2021-015', parcelId: a3, landUser: null })
    await db.none(`INSERT INTO lease (parcel_id, county_code, landholder_code, tenant_code, starts_on) VALUES ($1, $2, $3, $4, '2022-01-01')`,
      [a3, COUNTY_A, YITUO, MOLY])
  })

  const codes = async (query: string, headers: Headers = analyst): Promise<string[]> => {
    const res = await get(`/api/parcels?${query}`, headers)
    expect(res.statusCode, res.body).toBe(200)
    return res.json().features.map((f: { id: string }) => f.id).filter((c: string) => c.startsWith('S-'))
  }

  it('filters by county, cluster and life-cycle stage', async () => {
    expect(await codes('county=410311')).toEqual(['S-A-001', 'S-A-002', 'S-A-003'])
    expect(await codes('county=410324')).toEqual(['S-B-001'])
    expect(await codes('county=410311,410324')).toEqual(['S-A-001', 'S-A-002', 'S-A-003', 'S-B-001'])
    expect(await codes('cluster=luanchuan')).toEqual(['S-B-001'])
    expect(await codes('status=supplied')).toEqual(['S-A-002', 'S-B-001'])
    expect(await codes('status=supplied&status=producing&county=410311')).toEqual(['S-A-002', 'S-A-003'])
  })

  it('matches Chinese enterprise names, contract numbers, parcel codes and credit codes, full-width or half-width', async () => {
    expect(await codes('q=' + encodeURIComponent('一拖'))).toEqual(['S-A-002'])
    expect(await codes('q=' + encodeURIComponent('中国一拖'))).toEqual(['S-A-002'])
    expect(await codes('q=' + encodeURIComponent('钼业'))).toEqual(['S-A-003'])
    // full-width brackets and letters typed, half-width stored: NFKC folds them
    expect(await codes('q=' + encodeURIComponent('（栾川）钼业'))).toEqual(['S-A-003'])
    expect(await codes('q=' + encodeURIComponent('ｈｔ－２０２０'))).toEqual(['S-A-002'])
    expect(await codes('q=s-a-00')).toEqual(['S-A-001', 'S-A-002', 'S-A-003'])
    // every word must match
    expect(await codes('q=' + encodeURIComponent('钼业 2021'))).toEqual(['S-A-003'])
    expect(await codes('q=' + encodeURIComponent('一拖 2021'))).toEqual([])
    expect(await codes('q=' + encodeURIComponent('一拖　HT-2020'))).toEqual(['S-A-002'])
    expect(await codes('q=' + YITUO)).toEqual(['S-A-002'])
    expect(await codes('q=' + YITUO.slice(0, 12))).toEqual(['S-A-002', 'S-A-003']) // a prefix shared by both firms
    // LIKE wildcards typed by a user are literal characters
    expect(await codes('q=' + encodeURIComponent('%'))).toEqual([])
    expect(await codes('q=S_A')).toEqual([])
  })

  it('finds a code with or without its separators (migration 985)', async () => {
    // the parcel code: dashes, none, spaces, full-width, other separators
    for (const q of ['S-A-002', 'SA002', 'S A 002', 'sa-002', 'ｓａ００２', 'S/A/002', 'S.A.002', 'S—A—002']) {
      expect(await codes('q=' + encodeURIComponent(q)), q).toEqual(['S-A-002'])
    }
    // a piece of a code
    expect(await codes('q=A00')).toEqual(['S-A-001', 'S-A-002', 'S-A-003'])
    expect(await codes('q=' + encodeURIComponent('a 00'))).toEqual(['S-A-001', 'S-A-002', 'S-A-003'])
    // a contract number the same way
    for (const q of ['HT-2021-015', 'HT2021015', 'HT 2021 015', '2021015']) {
      expect(await codes('q=' + encodeURIComponent(q)), q).toEqual(['S-A-003'])
    }
    // a surveyor sees only the codes of the county: the other county's code is no match there
    expect(await codes('q=SB001', surveyorA)).toEqual([])
    expect(await codes('q=SB001')).toEqual(['S-B-001'])
    // words that are no code still each match (names beside a year)
    expect(await codes('q=' + encodeURIComponent('钼业 2021'))).toEqual(['S-A-003'])
  })

  it('filters by bounding box and hides retired parcels unless asked', async () => {
    expect(await codes('bbox=112.515,34.64,112.545,34.66')).toEqual(['S-A-002', 'S-A-003'])
    expect(await codes('bbox=112.555,34.64,112.57,34.66')).toEqual([])
    expect(await codes('bbox=112.555,34.64,112.57,34.66&include_retired=true')).toEqual(['S-A-009'])
    const bad = await get('/api/parcels?bbox=112.6,34.6,112.5,34.7', analyst)
    expect(bad.statusCode).toBe(400)
    expect(bad.json().detail).toEqual({ field: 'bbox' })
  })

  it('pages by offset or by cursor and counts the matches', async () => {
    const first = (await get('/api/parcels?q=S-A&limit=2', analyst)).json()
    expect(first.numberMatched).toBe(3)
    expect(first.numberReturned).toBe(2)
    expect(first.features.map((f: { id: string }) => f.id)).toEqual(['S-A-001', 'S-A-002'])
    const second = (await get(`/api/parcels?q=S-A&limit=2&cursor=${first.next_cursor}`, analyst)).json()
    expect(second.features.map((f: { id: string }) => f.id)).toEqual(['S-A-003'])
    expect(second.next_cursor).toBeNull()
    const byOffset = (await get('/api/parcels?q=S-A&limit=2&offset=2', analyst)).json()
    expect(byOffset.features.map((f: { id: string }) => f.id)).toEqual(['S-A-003'])
    expect((await get(`/api/parcels?limit=2&offset=2&cursor=${first.next_cursor}`, analyst)).statusCode).toBe(400)
    expect((await get('/api/parcels?limit=1001', analyst)).statusCode).toBe(400)
    expect((await get('/api/parcels?cursor=!!', analyst)).statusCode).toBe(400)
  })

  it('applies the county scope in the query and never returns tax fields', async () => {
    expect(await codes('q=S-', surveyorA)).toEqual(['S-A-001', 'S-A-002', 'S-A-003'])
    expect(await codes('county=410324', surveyorA)).toEqual([])
    expect(await codes('q=S-', surveyorB)).toEqual(['S-B-001'])
    const res = await get('/api/parcels?q=S-', admin)
    expect(res.body).not.toMatch(SENSITIVE)
    const f = res.json().features.find((x: { id: string }) => x.id === 'S-A-002')
    expect(f.properties).toMatchObject({ contract_no: 'HT-2020-007', land_user_name: '中国一拖集团有限公司', stage: 'supplied' })
  })

})

describe('edits', () => {
  it('keeps every old value: the file after three edits shows them in order, with who', async () => {
    await insertParcel(t.database.db, { code: 'E-HIST', landUse: '工业用地', lon: 112.48, lat: 34.63 })
    let version = 1
    for (const [body, note] of [
      [{ land_use: '仓储用地' }, '测绘复核'],
      [{ land_use: '物流用地', stage: 'supplied' }, '供地后更正'],
      [{ land_use: null }, '用途待定'],
    ] as const) {
      const res = await patch('/api/parcels/E-HIST', surveyorA, version, { ...body, note })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.headers.etag).toBe(`"${version + 1}"`)
      expect(res.json().properties.version).toBe(version + 1)
      version++
    }
    const file = (await get('/api/parcels/E-HIST/history', surveyorA)).json()
    const edits = file.events.filter((e: { type: string }) => e.type === 'attribute_change')
    expect(edits.map((e: { note: string }) => e.note)).toEqual(['测绘复核', '供地后更正', '用途待定'])
    expect(edits.every((e: { actor: string }) => e.actor === 'user:surveyor_410311')).toBe(true)
    expect(edits.map((e: { changes: unknown }) => e.changes)).toEqual([
      [{ field: 'land_use', old: '工业用地', new: '仓储用地' }],
      [{ field: 'land_use', old: '仓储用地', new: '物流用地' }, { field: 'stage', old: 'approved', new: 'supplied' }],
      [{ field: 'land_use', old: '物流用地', new: null }],
    ])
    expect(file.events[0].type).toBe('registration')
  })

  it('pages through the file with limit and offset, each event once and in order', async () => {
    const whole = (await get('/api/parcels/E-HIST/history', surveyorA)).json()
    expect(whole.total).toBe(whole.events.length)
    expect(whole.total).toBeGreaterThanOrEqual(4)
    const seen: unknown[] = []
    for (let offset = 0; offset < whole.total; offset += 2) {
      const page = (await get(`/api/parcels/E-HIST/history?limit=2&offset=${offset}`, surveyorA)).json()
      expect(page).toMatchObject({ code: 'E-HIST', total: whole.total, offset, limit: 2 })
      expect(page.events.length).toBe(Math.min(2, whole.total - offset))
      seen.push(...page.events)
    }
    expect(seen).toEqual(whole.events)
    expect((await get(`/api/parcels/E-HIST/history?offset=${whole.total}`, surveyorA)).json().events).toEqual([])
    const bad = await get('/api/parcels/E-HIST/history?limit=0', surveyorA)
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('limit')
  })

  it('shows which upload touched a parcel', async () => {
    const id = await insertParcel(t.database.db, { code: 'E-UPLOAD', lon: 112.49, lat: 34.64 })
    await t.database.db.tx(async (tx) => {
      await tx.any("SELECT set_config('onemap.actor', 'user:analyst_city', true), set_config('onemap.note', 'upload 7f3a', true)")
      await tx.none(`UPDATE parcel SET land_use = '工业用地', version = version + 1 WHERE id = $1`, [id])
    })
    const edit = (await get('/api/parcels/E-UPLOAD/history', surveyorA)).json().events.find((e: { type: string }) => e.type === 'attribute_change')
    expect(edit).toMatchObject({ upload: '7f3a', actor: 'user:analyst_city', changes: [{ field: 'land_use', old: null, new: '工业用地' }] })
  })

  it('edits the geometry: the area follows, and the file keeps the old outline', async () => {
    await insertParcel(t.database.db, { code: 'E-GEOM', lon: 112.46, lat: 34.61, size: 0.001 })
    const bigger = squareGeoJson(112.46, 34.61, 0.0015)
    const res = await patch('/api/parcels/E-GEOM', surveyorA, 1, { geometry: bigger, stated_area_m2: Math.round(turfArea(bigger)) })
    expect(res.statusCode, res.body).toBe(200)
    const p = res.json().properties
    expect(Math.abs(p.area_m2 - turfArea(bigger)) / turfArea(bigger)).toBeLessThan(0.005)
    const edit = (await get('/api/parcels/E-GEOM/history', surveyorA)).json().events.find((e: { type: string }) => e.type === 'geometry_change')
    const geom = edit.changes.find((c: { field: string }) => c.field === 'geom')
    expect(geom.old.coordinates[0][0][2]).toEqual([112.461, 34.611])
    expect(geom.new.coordinates[0][0][2]).toEqual([112.4615, 34.6115])
    const area = edit.changes.find((c: { field: string }) => c.field === 'area_m2')
    expect(area.new / area.old).toBeCloseTo(2.25, 2)
  })

  it('two edits on the same version: one 200, one 409 with the current card, nothing lost (200 random pairs)', async () => {
    const id = await insertParcel(t.database.db, { code: 'E-RACE', landUse: 'start', stage: 'approved', statedAreaM2: null })
    let seed = 20240601
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const stages = ['approved', 'supplied', 'under_construction', 'completed', 'producing']
    const state: Record<string, unknown> = { land_use: 'start', stage: 'approved' }
    const history: Record<string, unknown>[] = []
    const randomEdit = (i: number, side: string) =>
      random() < 0.5 ? { land_use: `用途-${i}-${side}` } : { land_use: `用途-${i}-${side}`, stage: stages[Math.floor(random() * stages.length)] }
    for (let i = 0; i < 200; i++) {
      const version = i + 1
      const edits = [randomEdit(i, 'a'), randomEdit(i, 'b')]
      const [ra, rb] = await Promise.all(edits.map((e) => patch('/api/parcels/E-RACE', surveyorA, version, e)))
      const statuses = [ra!.statusCode, rb!.statusCode].sort()
      expect(statuses, `${ra!.body} ${rb!.body}`).toEqual([200, 409])
      const winner = ra!.statusCode === 200 ? 0 : 1
      const loser = winner === 0 ? rb! : ra!
      Object.assign(state, edits[winner])
      history.push({ ...state })
      // the loser is told the current state, i.e. the winner's, and its version
      expect(loser.json().code).toBe('version_conflict')
      expect(loser.json().detail.current_version).toBe(version + 1)
      expect(loser.json().detail.current.properties).toMatchObject(state)
    }
    const final = (await get('/api/parcels/E-RACE', surveyorA)).json().properties
    expect(final).toMatchObject({ ...state, version: 201 })
    const updates = await t.database.db.any(
      `SELECT old_value, new_value FROM event_log WHERE parcel_id = $1 AND action = 'update' ORDER BY id`, [id])
    expect(updates).toHaveLength(200)
    updates.forEach((u, i) => {
      expect(u.old_value.version).toBe(i + 1)
      expect(u.new_value.version).toBe(i + 2)
      expect({ land_use: u.new_value.land_use, stage: u.new_value.stage }).toEqual(history[i])
      if (i > 0) expect(u.old_value.land_use).toBe(updates[i - 1]!.new_value.land_use)
    })
  })

  it('a rolled-back edit leaves no event and no change', async () => {
    const db = t.database.db
    const id = await insertParcel(db, { code: 'E-ROLLBACK', landUse: '工业用地' })
    // A failure after the event-log trigger has written its row (triggers fire by name: zz last).
    await db.none(`CREATE FUNCTION test_fail_after_log() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated failure after the event was logged'; END $$`)
    await db.none(`CREATE TRIGGER zz_test_fail AFTER UPDATE ON parcel FOR EACH ROW
      WHEN (NEW.land_use = 'boom') EXECUTE FUNCTION test_fail_after_log()`)
    const before = await db.one('SELECT count(*)::int AS n FROM event_log WHERE parcel_id = $1', [id])
    const res = await patch('/api/parcels/E-ROLLBACK', surveyorA, 1, { land_use: 'boom' })
    expect(res.statusCode).toBe(500)
    expect(res.body).not.toMatch(/simulated/)
    await db.none('DROP TRIGGER zz_test_fail ON parcel; DROP FUNCTION test_fail_after_log()')
    expect((await db.one('SELECT count(*)::int AS n FROM event_log WHERE parcel_id = $1', [id])).n).toBe(before.n)
    expect(await db.one('SELECT land_use, version FROM parcel WHERE id = $1', [id])).toEqual({ land_use: '工业用地', version: 1 })
    // refused edits (400) leave nothing either
    const refused = await patch('/api/parcels/E-ROLLBACK', surveyorA, 1, { stated_area_m2: 1 })
    expect(refused.statusCode).toBe(400)
    expect((await db.one('SELECT count(*)::int AS n FROM event_log WHERE parcel_id = $1', [id])).n).toBe(before.n)
  })

  it('validates by schema and by geometry, naming the field', async () => {
    await insertParcel(t.database.db, { code: 'E-VALID', lon: 112.47, lat: 34.62, size: 0.001 })
    const area = turfArea(squareGeoJson(112.47, 34.62, 0.001))
    const field = async (body: unknown, version: number | null = 1) => {
      const res = await patch('/api/parcels/E-VALID', surveyorA, version, body)
      return { status: res.statusCode, message: res.json().message as string, field: res.json().detail?.field as string | undefined }
    }
    const unknown = await field({ owner: '某某' })
    expect(unknown.status).toBe(400)
    expect(unknown.message).toContain('"owner"')
    const wrongType = await field({ stated_area_m2: 'big' })
    expect(wrongType.status).toBe(400)
    expect(wrongType.message).toContain('stated_area_m2')
    const badStage = await field({ stage: 'sold' })
    expect(badStage.status).toBe(400)
    expect(badStage.message).toContain('stage')
    // typed in mu instead of m²: contradicts the geometry
    expect(await field({ stated_area_m2: area * 15 / 10000 })).toMatchObject({ status: 400, field: 'stated_area_m2' })
    // within 5% is a survey difference, accepted
    const ok = await patch('/api/parcels/E-VALID', surveyorA, 1, { stated_area_m2: Math.round(area * 1.03) })
    expect(ok.statusCode, ok.body).toBe(200)
    // a new geometry that contradicts the stated area now on record
    expect(await field({ geometry: squareGeoJson(112.47, 34.62, 0.002) }, 2)).toMatchObject({ status: 400, field: 'geometry' })
    // a bow-tie, projected metres, an open ring
    const bowTie = { type: 'Polygon', coordinates: [[[112.47, 34.62], [112.471, 34.621], [112.471, 34.62], [112.47, 34.621], [112.47, 34.62]]] }
    expect(await field({ geometry: bowTie, stated_area_m2: null }, 2)).toMatchObject({ status: 400, field: 'geometry' })
    const metres = { type: 'Polygon', coordinates: [[[37500000, 3830000], [37500100, 3830000], [37500100, 3830100], [37500000, 3830000]]] }
    const outside = await field({ geometry: metres, stated_area_m2: null }, 2)
    expect(outside).toMatchObject({ status: 400, field: 'geometry' })
    expect(outside.message).toMatch(/EPSG:4490/)
    // Inside the old 110.8–113.2°E box but 13 km east of 偃师区's edge (112.98°E): outside the
    // city's extent that uploads are held to as well (city_extent(), migration 810)
    const pastYanshi = await field({ geometry: squareGeoJson(113.1, 34.6, 0.002), stated_area_m2: null }, 2)
    expect(pastYanshi).toMatchObject({ status: 400, field: 'geometry' })
    expect(pastYanshi.message).toMatch(/not inside the city's extent/)
    const open = { type: 'Polygon', coordinates: [[[112.47, 34.62], [112.471, 34.62], [112.471, 34.621], [112.47, 34.621]]] }
    expect(await field({ geometry: open, stated_area_m2: null }, 2)).toMatchObject({ status: 400, field: 'geometry' })
    expect(await field({ cluster_code: 'luanchuan' }, 2)).toMatchObject({ status: 400, field: 'cluster_code' })
    expect(await field({ cluster_code: 'nowhere' }, 2)).toMatchObject({ status: 400, field: 'cluster_code' })
    expect((await field({ note: 'only a note' }, 2)).status).toBe(400)
    // If-Match: missing 428, malformed 400, stale 409
    expect((await field({ land_use: 'x' }, null)).status).toBe(428)
    const malformed = await t.app.inject({ method: 'PATCH', url: '/api/parcels/E-VALID', headers: { ...surveyorA, 'if-match': 'abc' }, payload: { land_use: 'x' } })
    expect(malformed.statusCode).toBe(400)
    expect((await field({ land_use: 'x' }, 1)).status).toBe(409)
    expect((await t.database.db.one(`SELECT version FROM parcel WHERE code = 'E-VALID'`)).version).toBe(2)
    // If-Match: * matches any current version (RFC 9110 §13.1.1): the edit applies to version 2
    const any = await t.app.inject({ method: 'PATCH', url: '/api/parcels/E-VALID', headers: { ...surveyorA, 'if-match': '*' }, payload: { land_use: '工业用地（二类）' } })
    expect(any.statusCode, any.body).toBe(200)
    expect(any.headers.etag).toBe('"3"')
    expect(any.json().properties).toMatchObject({ land_use: '工业用地（二类）', version: 3 })
    const missing = await t.app.inject({ method: 'PATCH', url: '/api/parcels/E-NOWHERE', headers: { ...surveyorA, 'if-match': '*' }, payload: { land_use: 'x' } })
    expect(missing.statusCode).toBe(404)
  })

  it('retires a parcel with a reason instead of deleting it', async () => {
    const id = await insertParcel(t.database.db, { code: 'E-RETIRE' })
    const noReason = await t.app.inject({ method: 'DELETE', url: '/api/parcels/E-RETIRE', headers: { ...surveyorA, 'if-match': '"1"' }, payload: {} })
    expect(noReason.statusCode).toBe(400)
    const res = await t.app.inject({ method: 'DELETE', url: '/api/parcels/E-RETIRE', headers: { ...surveyorA, 'if-match': '"1"' }, payload: { reason: '与 E-HIST 重复' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().properties).toMatchObject({ retired_reason: '与 E-HIST 重复', version: 2 })
    expect(await t.database.db.one('SELECT count(*)::int AS n FROM parcel WHERE id = $1', [id])).toEqual({ n: 1 })
    expect((await patch('/api/parcels/E-RETIRE', surveyorA, 2, { land_use: 'x' })).json().code).toBe('retired')
    const file = (await get('/api/parcels/E-RETIRE/history', surveyorA)).json()
    expect(file.events.at(-1)).toMatchObject({ type: 'retirement', note: '与 E-HIST 重复', actor: 'user:surveyor_410311' })
    expect((await get('/api/parcels/E-RETIRE', surveyorA)).statusCode).toBe(200)
  })
})

describe('development events', () => {
  it('records start, completion and inspections in life-cycle order', async () => {
    await insertParcel(t.database.db, { code: 'D-1', stage: 'supplied' })
    const post = (body: unknown, headers: Headers = surveyorA) =>
      t.app.inject({ method: 'POST', url: '/api/parcels/D-1/development', headers, payload: body as object })
    const start = await post({ kind: 'start', occurred_on: '2022-04-01', note: '现场核实已动工' })
    expect(start.statusCode, start.body).toBe(201)
    expect(start.json()).toMatchObject({ kind: 'start', occurred_on: '2022-04-01', recorded_by: 'surveyor_410311', version: 1 })
    const early = await post({ kind: 'completion', occurred_on: '2022-03-01' })
    expect(early.statusCode).toBe(400)
    expect(early.json().detail).toEqual({ field: 'occurred_on' })
    expect((await post({ kind: 'inspection', occurred_on: '2099-01-01' })).json().detail).toEqual({ field: 'occurred_on' })
    expect((await post({ kind: 'inspection', occurred_on: '2023-06-01' }, inspectorA)).statusCode).toBe(201)
    // measured tax per mu is a tax figure: a surveyor may not write what it may not see
    const taxed = await post({ kind: 'completion', occurred_on: '2023-01-01', measured: { tax_per_mu: 12 } })
    expect(taxed.statusCode).toBe(403)
    const done = await post({ kind: 'completion', occurred_on: '2023-01-01', developed_area_m2: 9000, measured: { plot_ratio: 1.1 } })
    expect(done.statusCode).toBe(201)
    const id = done.json().id
    const stale = await t.app.inject({ method: 'PATCH', url: `/api/parcels/D-1/development/${id}`, headers: { ...surveyorA, 'if-match': '"7"' }, payload: { developed_area_m2: 9100 } })
    expect(stale.statusCode).toBe(409)
    const fixed = await t.app.inject({ method: 'PATCH', url: `/api/parcels/D-1/development/${id}`, headers: { ...surveyorA, 'if-match': '"1"' }, payload: { developed_area_m2: 9100 } })
    expect(fixed.statusCode, fixed.body).toBe(200)
    expect(fixed.json()).toMatchObject({ developed_area_m2: 9100, version: 2 })
    const card = (await get('/api/parcels/D-1', surveyorA)).json().properties
    expect(card.development).toMatchObject({ started_on: '2022-04-01', completed_on: '2023-01-01', developed_area_m2: 9100, last_inspection_on: '2023-06-01' })
    const file = (await get('/api/parcels/D-1/history', surveyorA)).json().events
    expect(file.filter((e: { type: string }) => e.type === 'development').map((e: { on: string; action: string }) => [e.action, e.on]))
      .toEqual([['insert', '2022-04-01'], ['insert', '2023-01-01'], ['update', expect.any(String)]])
    expect(file.find((e: { type: string }) => e.type === 'inspection').actor).toBe('user:inspector_410311')
    const any = await t.app.inject({ method: 'PATCH', url: `/api/parcels/D-1/development/${id}`, headers: { ...surveyorA, 'if-match': '*' }, payload: { developed_area_m2: 9200 } })
    expect(any.statusCode, any.body).toBe(200)
    expect(any.json()).toMatchObject({ developed_area_m2: 9200, version: 3 })
  })
})

describe('access', () => {
  beforeAll(async () => {
    await insertParcel(t.database.db, { code: 'X-B', county: COUNTY_B })
  })

  it('answers a parcel of another county like a missing one, on every route', async () => {
    const other = [
      await get('/api/parcels/X-B', surveyorA),
      await get('/api/parcels/X-B/history', surveyorA),
      await patch('/api/parcels/X-B', surveyorA, 1, { land_use: 'x' }),
      await t.app.inject({ method: 'DELETE', url: '/api/parcels/X-B', headers: { ...surveyorA, 'if-match': '"1"' }, payload: { reason: '试图注销' } }),
      await t.app.inject({ method: 'POST', url: '/api/parcels/X-B/development', headers: surveyorA, payload: { kind: 'inspection', occurred_on: '2023-01-01' } }),
    ]
    const missing = await get('/api/parcels/NO-SUCH', surveyorA)
    for (const res of other) {
      expect(res.statusCode).toBe(404)
      expect(res.json().message.replaceAll('X-B', 'X')).toBe(missing.json().message.replaceAll('NO-SUCH', 'X'))
    }
    expect((await t.database.db.one(`SELECT version, land_use FROM parcel WHERE code = 'X-B'`))).toEqual({ version: 1, land_use: null })
    expect((await get('/api/parcels/X-B', surveyorB)).statusCode).toBe(200)
  })

  it('requires a login everywhere and an editing role to edit', async () => {
    for (const url of ['/api/parcels', '/api/parcels/X-B', '/api/parcels/X-B/history', '/api/parcels/X-B/export.xlsx',
      '/api/parcels/export.xlsx', '/api/parcels/X-B/ledger', '/api/ledger', '/api/batches', '/api/contracts',
      '/api/enterprises', `/api/enterprises/${creditCode(1)}`]) {
      expect((await get(url)).statusCode, url).toBe(401)
    }
    expect((await t.app.inject({ method: 'PUT', url: `/api/enterprises/${creditCode(1)}/figures/2023`, payload: { tax_paid_wan: 1 } })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'PATCH', url: '/api/parcels/X-B', payload: { land_use: 'x' } })).statusCode).toBe(401)
    const inspectorB = await t.loginAs('inspector', [COUNTY_B])
    expect((await patch('/api/parcels/X-B', inspectorB, 1, { land_use: 'x' })).statusCode).toBe(403)
  })
})
