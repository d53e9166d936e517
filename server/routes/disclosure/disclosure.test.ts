/** Public disclosure (§四(四)): the lists are reachable without login, published per class and per
 * county as the settings say, each publication a dated snapshot that stays retrievable; and no
 * public response — JSON, GeoJSON, CSV, XLSX, vector tiles — holds any tax, output, price or
 * personal field: every key and every value is scanned against the sensitive key list and against
 * sensitive values planted in the data (a legal person, a phone number, a price, tax, output,
 * profit figures, credit codes, the publisher's user name). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { Scenario, type Rect } from '../../test/scenario'
import { ledgerEntry, trueArea } from '../../test/governance-land'
import { parseCsv } from '../../governance/csv'
import { SENSITIVE_KEYS, scanJson, scanText, scanTile, scanXlsx, type Finding } from '../../test/sensitive-scan'
import { latToTileY, lonToTileX } from '../../tiles/tile-math'

const K = '410311'
const L = '410324'
let t: TestApp
let admin: { authorization: string }
const ids: Record<string, number> = {}
const R: Record<string, Rect> = {
  batch: [0, 0, 200, 100], supplied: [0, 0, 100, 100], idle: [0, 1000, 60, 50], stopped: [200, 1000, 80, 50], other: [20_000, 0, 50, 50],
}

const E1 = '91410300MA0000TE01'
const E2 = '91410300MA0000TE02'
// Planted sensitive values: none of them may appear in any public answer.
const SECRET_VALUES: (string | number)[] = [
  '王德发', '13912345678', '李秀英', '13800001111', 8765.43, 4321.09, 98765.43, 777.77, -12.34, 6543.21, E1, E2,
  '绝密机械有限公司', '保密材料有限公司', 'publisher_admin',
  // 权利人 of the disclosed parcels, persons' names (personal data: README "The owner")
  '赵权利', '钱权利',
]
let sensitiveKeys: string[]

const pub = (url: string) => t.app.inject({ method: 'GET', url })
const expectClean = (findings: Finding[]) => expect(findings, JSON.stringify(findings.slice(0, 5))).toEqual([])

beforeAll(async () => {
  t = await createTestApp()
  admin = await t.loginAs('admin', null, 'publisher_admin')
  const db = t.database.db
  const k = new Scenario(db, K, 'gd')
  await k.ensureCounty(K, '洛龙区')
  const l = new Scenario(db, L, 'gdl')
  await l.ensureCounty(L, '栾川县')
  const ck = await k.cluster({ code: 'gd-k', rect: [-1000, -1000, 5000, 5000] })
  const cl = await l.cluster({ code: 'gd-l', rect: [19_000, -1000, 3000, 3000], county: L })
  await db.none(`INSERT INTO enterprise (credit_code, name, county_code, industry, legal_person, contact_phone) VALUES
    ($1, '绝密机械有限公司', $3, '装备制造', '王德发', '13912345678'), ($2, '保密材料有限公司', $3, '新材料', '李秀英', '13800001111')`, [E1, E2, K])

  // 批而未供: a 2016 batch half supplied (the supplied contract carries a price)
  await k.batch({ rect: R.batch!, approvedOn: '2016-05-01', cluster: ck })
  const sp = await k.parcel({ rect: R.supplied!, cluster: ck, code: 'GD-SUPPLIED' })
  const ksp = await k.contract({ parcel: sp, signedOn: '2019-03-01', landUser: E1 })
  await db.none('UPDATE supply_contract SET price_wan = 8765.43 WHERE id = $1', [ksp])
  // 闲置: not started a year after 2022-06-01, held by E1, with a ledger entry
  ids.idle = await k.parcel({ rect: R.idle!, cluster: ck, code: 'GD-IDLE' })
  const kidle = await k.contract({ parcel: ids.idle, signedOn: '2022-01-01', agreedStartOn: '2022-06-01', landUser: E1 })
  await db.none('UPDATE supply_contract SET price_wan = 6543.21 WHERE id = $1', [kidle])
  await ledgerEntry(db, { parcel: ids.idle, measure: '闲置费', deadline: '2024-12-31', recordedOn: '2024-02-01', unit: '洛龙区自然资源局' })
  await db.none(`UPDATE parcel SET owner_name = CASE code WHEN 'GD-IDLE' THEN '赵权利' ELSE '钱权利' END WHERE code IN ('GD-IDLE', 'GD-SUPPLIED')`)
  // 低效 type 4 and 5 from E2's figures: accepted 2019, no profit since 2021, rated C in 2022 and 2023
  ids.stopped = await k.parcel({ rect: R.stopped!, cluster: ck, code: 'GD-STOPPED' })
  await k.contract({ parcel: ids.stopped, signedOn: '2017-01-01', landUser: E2 })
  await k.event({ parcel: ids.stopped, kind: 'completion_acceptance', on: '2019-06-01' })
  await db.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, tax_refund_wan, output_wan, value_added_wan, energy_tce, employment, profit_wan, rating)
    VALUES ($1, 2020, 4321.09, 0, 98765.43, 777.77, 55.5, 321, 10, 'B'), ($1, 2021, 4321.09, 0, 98765.43, 777.77, 55.5, 321, -12.34, 'B'),
           ($1, 2022, 4321.09, 0, 98765.43, 777.77, 55.5, 321, -12.34, 'C'), ($1, 2023, 4321.09, 0, 98765.43, 777.77, 55.5, 321, -12.34, 'C'),
           ($2, 2023, 4321.09, 0, 98765.43, 777.77, 55.5, 321, 100, 'A')`, [E2, E1])
  // 低效 type 6 in 栾川县, which does not publish its inefficient land from 2024
  ids.other = await l.parcel({ rect: R.other!, cluster: cl, code: 'GDL-OTHER' })
  await l.flag({ parcel: ids.other, kind: 'other', reason: '县区认定', setOn: '2023-05-01' })

  sensitiveKeys = [...new Set([...SENSITIVE_KEYS, ...(await db.one('SELECT sensitive_keys() AS k', [], (r: { k: string[] }) => r.k))])]
}, 180_000)
afterAll(async () => t?.close())

let s1: { id: number }
let s2: { id: number }

describe('publishing', () => {
  it('a county chooses per class: 栾川县 stops publishing inefficient land from 2024', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/disclosure/settings', headers: admin,
      payload: { county: L, class: 'inefficient', publish: false, from: '2024-01-01' } })
    expect(res.statusCode, res.body).toBe(200)
    const l = res.json().settings.find((x: { county_code: string }) => x.county_code === L)
    expect(l).toMatchObject({ unsupplied: true, idle: true, inefficient: false })
    expect(l.rule_ids).toHaveLength(2) // the city-wide row and 栾川县's own
    const surveyor = await t.loginAs('surveyor', null)
    expect((await t.app.inject({ method: 'PUT', url: '/api/disclosure/settings', headers: surveyor,
      payload: { county: L, class: 'idle', publish: false, from: '2024-01-01' } })).statusCode).toBe(403)
  })

  it('publishes the lists of 30 June 2024 as a dated snapshot', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', payload: { asOf: '2024-06-30' } })).statusCode).toBe(401)
    const res = await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: admin, payload: { asOf: '2024-06-30' } })
    expect(res.statusCode, res.body).toBe(201)
    s1 = res.json()
    expect(s1).toMatchObject({ as_of: '2024-06-30', counts: { unsupplied: { items: 1 }, idle: { items: 1 }, inefficient: { items: 1 } } })
  })

  it('lists location, area, class, since when and responsible unit, without login', async () => {
    const res = await pub(`/api/disclosure/snapshots/${s1.id}`)
    expect(res.statusCode).toBe(200)
    const s = res.json()
    expect(s.items.map((i: { class: string; ref: string }) => `${i.class}:${i.ref}`)).toEqual([
      expect.stringMatching(/^unsupplied:gd-b\d+$/), 'idle:GD-IDLE', 'inefficient:GD-STOPPED'])
    const [u, idle, inef] = s.items
    expect(u).toMatchObject({ county_name: '洛龙区', cluster_name: '测试集聚区gd-k', since: '2016-05-01', detail: '2018年前批准的存量', responsible_unit: '洛龙区人民政府' })
    expect(Math.abs(u.area_m2 - trueArea([100, 0, 100, 100])) / u.area_m2).toBeLessThan(1e-5)
    // not started by 2023-06-01 (agreed start + 365 days): idle from the day after
    expect(idle).toMatchObject({ class_label: '闲置', detail: '闲置满两年', since: '2023-06-02', responsible_unit: '洛龙区自然资源局' })
    expect(Math.abs(idle.area_m2 - trueArea(R.idle!)) / idle.area_m2).toBeLessThan(1e-5)
    expect(idle.lon).toBeGreaterThan(112)
    expect(idle.lat).toBeGreaterThan(34)
    // types 4 and 5 read E2's profit and rating; only the type names are published, from 1 January after the last year counted
    expect(inef).toMatchObject({ class_label: '低效', detail: '停产半停产类、产出未达标类', since: '2024-01-01' })
    expect(s.settings.find((x: { county_code: string }) => x.county_code === L)).toEqual({ county_code: L, county_name: '栾川县', unsupplied: true, idle: true, inefficient: false })
    expect((await pub('/api/disclosure')).json().id).toBe(s1.id)
  })

  it('a later publication does not change an earlier one', async () => {
    await t.database.db.none(`INSERT INTO development_event (parcel_id, county_code, kind, occurred_on) VALUES ($1, $2, 'start', '2024-08-01')`, [ids.idle, K])
    const before = (await pub(`/api/disclosure/snapshots/${s1.id}`)).json()
    s2 = (await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: admin, payload: { asOf: '2024-12-31' } })).json()
    expect((await pub(`/api/disclosure/snapshots/${s2.id}`)).json().items.map((i: { ref: string }) => i.ref)).not.toContain('GD-IDLE')
    expect((await pub(`/api/disclosure/snapshots/${s1.id}`)).json()).toEqual(before)
    expect((await pub('/api/disclosure')).json().id).toBe(s2.id)
    const list = (await pub('/api/disclosure/snapshots')).json().snapshots
    expect(list.map((x: { id: number; as_of: string }) => [x.id, x.as_of])).toEqual([[s2.id, '2024-12-31'], [s1.id, '2024-06-30']])
    await expect(t.database.db.none('UPDATE governance.disclosure_item SET ref = $1 WHERE report_id = $2', ['x', s1.id])).rejects.toThrow(/append-only/)
    await expect(t.database.db.none('DELETE FROM governance.report WHERE id = $1', [s1.id])).rejects.toThrow(/append-only/)
  })

  it('regenerating a snapshot compares it with what was published', async () => {
    const r = (await t.app.inject({ method: 'POST', url: `/api/reports/${s1.id}/regenerate`, headers: admin })).json()
    expect(r).toMatchObject({ same: true, difference_count: 0 })
  })
})

describe('no public response contains tax, output, price or personal data', () => {
  it('the JSON answers: latest, list, snapshot, GeoJSON', async () => {
    for (const url of ['/api/disclosure', '/api/disclosure/snapshots', `/api/disclosure/snapshots/${s1.id}`, '/api/disclosure/snapshots/latest',
      `/api/disclosure/snapshots/${s1.id}/export.geojson`, `/api/disclosure/snapshots/${s2.id}/export.geojson`]) {
      const res = await pub(url)
      expect(res.statusCode, url).toBe(200)
      expectClean(scanJson(res.json(), SECRET_VALUES, sensitiveKeys, url))
      // and the raw text too (keys inside strings, numbers printed differently)
      expectClean(scanText(res.body, SECRET_VALUES, sensitiveKeys, url))
    }
  })

  it('the response schemas are the allow-list of the public answers: what the SQL builds passes whole, a key it adds is withheld', async () => {
    // whole: each JSON answer equals what the repository read (server/schemas/disclosure.ts names every key)
    const db = t.database.db.governance
    const same = async (url: string, stored: unknown) => expect((await pub(url)).json(), url).toEqual(JSON.parse(JSON.stringify(stored)))
    await same(`/api/disclosure/snapshots/${s1.id}`, await db.disclosure(s1.id))
    await same('/api/disclosure', await db.disclosure(null))
    await same('/api/disclosure/snapshots', { snapshots: await db.disclosures() })
    await same(`/api/disclosure/snapshots/${s1.id}/export.geojson`, await db.disclosureGeojson(s1.id))
    // withheld: a key the schema does not name never reaches the public, even if a query returns it
    const original = db.disclosure.bind(db)
    db.disclosure = async (id) => {
      const s = await original(id)
      return { ...s, publisher: 'publisher_admin', items: s.items.map((i: object) => ({ ...i, price_wan: 8765.43 })) }
    }
    try {
      const res = await pub(`/api/disclosure/snapshots/${s1.id}`)
      expect(res.statusCode).toBe(200)
      expectClean(scanText(res.body, SECRET_VALUES, sensitiveKeys, 'planted'))
      expect(res.json().items).toHaveLength(3)
    } finally {
      db.disclosure = original
    }
  })

  it('the CSV and XLSX exports', async () => {
    const csv = await pub(`/api/disclosure/snapshots/${s1.id}/export.csv`)
    expect(csv.statusCode).toBe(200)
    expect(parseCsv(csv.body)).toHaveLength(1 + 3)
    expectClean(scanText(csv.body, SECRET_VALUES, sensitiveKeys, 'csv'))
    const xlsx = await pub(`/api/disclosure/snapshots/${s1.id}/export.xlsx`)
    expect(xlsx.statusCode).toBe(200)
    expectClean(await scanXlsx(xlsx.rawPayload, SECRET_VALUES, sensitiveKeys, 'xlsx'))
  })

  it('the vector tiles of the public map', async () => {
    const items = (await pub(`/api/disclosure/snapshots/${s1.id}`)).json().items as { ref: string; lon: number; lat: number }[]
    const seen = new Set<string>()
    for (const z of [10, 14, 16]) {
      for (const it of items) {
        const x = Math.floor(lonToTileX(it.lon, z))
        const y = Math.floor(latToTileY(it.lat, z))
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [-1, -1]]) {
          const url = `/api/disclosure/snapshots/${s1.id}/tiles/${z}/${x + dx}/${y + dy}.mvt`
          const res = await pub(url)
          expect(res.statusCode, url).toBe(200)
          const { findings, features } = scanTile(res.rawPayload, SECRET_VALUES, sensitiveKeys, url)
          expectClean(findings)
          for (const f of features) seen.add(String(f.ref))
        }
      }
    }
    expect([...seen].sort()).toEqual(items.map((i) => i.ref).sort())
  })

  it('the scan finds the planted values where they are meant to be (an administrator\'s parcel card)', async () => {
    const card = await t.app.inject({ method: 'GET', url: '/api/parcels/GD-IDLE', headers: admin })
    expect(card.statusCode).toBe(200)
    const findings = scanJson(card.json(), SECRET_VALUES, sensitiveKeys)
    expect(findings.map((f) => f.what)).toEqual(expect.arrayContaining(['key "price_wan"', 'value 6543.21 in 6543.21']))
    const tile = await t.app.inject({ method: 'GET', url: '/tiles/parcels.json', headers: admin })
    expect(scanText(tile.body, SECRET_VALUES, sensitiveKeys, 'tilejson').length).toBeGreaterThan(0)
  })

  it('the stored report behind a snapshot keeps the publisher, and only a login reaches it', async () => {
    expect((await pub(`/api/reports/${s1.id}`)).statusCode).toBe(401)
    const r = (await t.app.inject({ method: 'GET', url: `/api/reports/${s1.id}`, headers: admin })).json()
    expect(r).toMatchObject({ kind: 'disclosure', generated_by: 'user:publisher_admin' })
  })
})

describe('the preview before publishing', () => {
  it('shows exactly the rows the public endpoint serves after publishing, and stores nothing', async () => {
    const db = t.database.db
    const stored = () => db.one(`SELECT (SELECT count(*)::int FROM governance.report) AS reports, (SELECT count(*)::int FROM governance.disclosure_item) AS items,
      (SELECT count(*)::int FROM security_event WHERE kind = 'published') AS audited`)
    const before = await stored()
    expect((await t.app.inject({ method: 'POST', url: '/api/disclosure/preview', payload: { asOf: '2024-09-30' } })).statusCode).toBe(401)
    const res = await t.app.inject({ method: 'POST', url: '/api/disclosure/preview', headers: admin, payload: { asOf: '2024-09-30' } })
    expect(res.statusCode, res.body).toBe(200)
    const preview = res.json()
    expect(await stored()).toEqual(before)
    // GD-IDLE started on 2024-08-01 (above): no longer idle on 30 September; GD-STOPPED still inefficient
    expect(preview.items.map((i: { ref: string }) => i.ref)).toEqual([expect.stringMatching(/^gd-b\d+$/), 'GD-STOPPED'])
    expectClean(scanJson(preview, SECRET_VALUES, sensitiveKeys))

    const published = await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: admin, payload: { asOf: '2024-09-30' } })
    expect(published.statusCode, published.body).toBe(201)
    const latest = (await pub('/api/disclosure')).json()
    expect(latest.id).toBe(published.json().id)
    // the same rows, field by field (the seq, the areas, the points on them), the same settings and counts
    expect({ as_of: latest.as_of, basis: latest.basis, settings: latest.settings, counts: latest.counts, items: latest.items }).toEqual(preview)
  })

  it('is refused to a county-scoped analyst (the lists are the city\'s), a future date, and the duty roles', async () => {
    const county = await t.loginAs('analyst', [K])
    expect((await t.app.inject({ method: 'POST', url: '/api/disclosure/preview', headers: county, payload: {} })).statusCode).toBe(403)
    const future = await t.app.inject({ method: 'POST', url: '/api/disclosure/preview', headers: admin, payload: { asOf: '2099-01-01' } })
    expect(future.statusCode).toBe(400)
    expect(future.json().message).toMatch(/晚于今天/)
    for (const role of ['security', 'audit', 'surveyor', 'inspector'] as const) {
      expect((await t.app.inject({ method: 'POST', url: '/api/disclosure/preview', headers: await t.loginAs(role, null), payload: {} })).statusCode, role).toBe(403)
    }
  })
})
