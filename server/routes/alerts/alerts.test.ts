/** The alert workflow through the HTTP API (DOMAIN.md "Dynamic monitoring"): routing by cluster, each inspector
 * seeing their counties only, new → assigned → in field → confirmed → closed with every step in the
 * event log, 409 for a stale version and when two inspectors act at once, photos checked by content
 * and size and served only to allowed roles in scope, a confirmed start on the parcel's card, a
 * confirmed 未供即用 in the ledger, overdue alerts escalated to the county's analyst, and change
 * polygons uploaded through the upload pipeline turned into alerts, a repeat linked, not duplicated. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { rectWkt, Scenario, type Rect } from '../../test/scenario'
import { makeTempDir, removeTempDirs, writeJson } from '../../test/ingest-helpers'
import { multipart, uploadFile } from '../../test/upload-fixture'
import { jobResult } from '../../test/jobs'

const PHOTO_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-photos-'))
const MAX_PHOTO = Math.round(0.05 * 1024 * 1024)
const ALL_CHANGE_TYPES = ['construction_on_unsupplied', 'construction_on_idle', 'demolition_on_producing', 'change_outside_cluster']

let t: TestApp
let s: Scenario
type Auth = { authorization: string }
let admin: Auth, a1: Auth, a2: Auth, b1: Auth, analystA: Auth, surveyor: Auth
let dir: string

/** A 1×1 PNG and a minimal JPEG header followed by padding. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const bigJpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(MAX_PHOTO + 1000)])

beforeAll(async () => {
  t = await createTestApp({ ONEMAP_PHOTO_DIR: PHOTO_DIR, ONEMAP_PHOTO_MAX_MB: '0.05' })
  const db = t.app.db
  s = new Scenario(db, '410311')
  await s.cluster({ code: 'luolong-t', rect: [-1000, -1000, 20000, 10000], county: '410311' })
  await s.cluster({ code: 'mengjin-t', rect: [30000, -1000, 10000, 10000], county: '410322' })
  await s.cluster({ code: 'xinan-t', rect: [50000, -1000, 10000, 10000], county: '410323' })
  admin = await t.loginAs('admin', null, 'admin.t')
  a1 = await t.loginAs('inspector', ['410311'], 'insp.a1')
  a2 = await t.loginAs('inspector', ['410311'], 'insp.a2')
  b1 = await t.loginAs('inspector', ['410322'], 'insp.b1')
  analystA = await t.loginAs('analyst', ['410311'], 'analyst.a')
  surveyor = await t.loginAs('surveyor', ['410311'], 'surveyor.a')
  dir = makeTempDir('onemap-alert-upload-')
})
afterAll(async () => {
  await t?.close()
  fs.rmSync(PHOTO_DIR, { recursive: true, force: true })
  removeTempDirs()
})

const get = (url: string, auth: Auth) => t.app.inject({ method: 'GET', url, headers: auth })
const step = (id: number, version: number | string, body: Record<string, unknown>, auth: Auth) =>
  t.app.inject({ method: 'PATCH', url: `/api/alerts/${id}`, headers: { ...auth, 'if-match': `"${version}"` }, payload: body })
const startScan = (body: Record<string, unknown>, auth = admin) => t.app.inject({ method: 'POST', url: '/api/alerts/scan', headers: auth, payload: body })
/** A scan on demand: a job (202), followed to its result. */
const scan = async (body: Record<string, unknown>, auth = admin) =>
  jobResult<{ id: number; result: Record<string, number> }>(t.app, await startScan(body, auth), auth)
function photo(id: number, data: Buffer, name: string, auth: Auth) {
  const body = multipart({}, { name, data, field: 'photo' })
  return t.app.inject({ method: 'POST', url: `/api/alerts/${id}/photos`, payload: body.payload, headers: { ...body.headers, ...auth } })
}
const alertOf = (parcel: number) => t.app.db.one('SELECT id, version FROM alert WHERE parcel_id = $1', [parcel])
const parcelCode = (id: number) => t.app.db.one('SELECT code FROM parcel WHERE id = $1', [id], (r) => r.code as string)

let idleParcel: number
let ubsParcel: number
let countyBParcel: number

describe('routing and scope', () => {
  it('routes new alerts to the cluster\'s inspector (else the county\'s), and shows each inspector their counties only', async () => {
    const route = await t.app.inject({ method: 'PUT', url: '/api/alerts/routes/luolong-t', headers: analystA, payload: { inspector: 'insp.a1' } })
    expect(route.statusCode, route.body).toBe(200)
    expect(route.json().find((r: { cluster_code: string }) => r.cluster_code === 'luolong-t')).toMatchObject({ inspector: 'insp.a1' })
    // an inspector of another county cannot take a cluster here
    expect((await t.app.inject({ method: 'PUT', url: '/api/alerts/routes/luolong-t', headers: analystA, payload: { inspector: 'insp.b1' } })).statusCode).toBe(404)

    idleParcel = await s.parcel({ rect: [0, 0, 100, 100], cluster: 'luolong-t' })
    await s.contract({ parcel: idleParcel, signedOn: '2023-06-01', agreedStartOn: '2030-01-01' })
    await s.change({ rect: [20, 20, 60, 60], imageAfter: '2024-03-31' })
    ubsParcel = await s.parcel({ rect: [200, 0, 100, 100], cluster: 'luolong-t' })
    await s.change({ rect: [220, 20, 60, 60], imageAfter: '2024-03-31' })
    const sb = new Scenario(t.app.db, '410322')
    countyBParcel = await sb.parcel({ rect: [30000, 0, 100, 100], cluster: 'mengjin-t' })
    await sb.change({ rect: [30020, 20, 60, 60], imageAfter: '2024-03-31' })

    expect((await startScan({ types: ALL_CHANGE_TYPES }, a1)).statusCode).toBe(403) // inspectors do not scan
    const r = await scan({ types: ALL_CHANGE_TYPES, as_of: '2024-06-30' })
    expect(r.result).toMatchObject({ created: 3, assigned: 3 })

    const mine = (await get('/api/alerts?assignee=me', a1)).json()
    expect(mine.items.map((x: { type: string }) => x.type).sort()).toEqual(['construction_on_idle', 'construction_on_unsupplied'])
    expect(mine.items.every((x: { status: string; assignee: string }) => x.status === 'assigned' && x.assignee === 'insp.a1')).toBe(true)
    const forB = (await get('/api/alerts', b1)).json()
    expect(forB.numberMatched).toBe(1)
    expect(forB.items[0]).toMatchObject({ assignee: 'insp.b1', county_code: '410322', parcel_code: await parcelCode(countyBParcel) })
    // out of scope answers like missing, for the alert and its photos
    const { id } = await alertOf(idleParcel)
    expect((await get(`/api/alerts/${id}`, b1)).statusCode).toBe(404)
    expect((await get('/api/alerts?type=construction_on_idle', a2)).json().numberMatched).toBe(1)
    expect((await get('/api/alerts?cluster=mengjin-t', analystA)).json().numberMatched).toBe(0)
  })
})

describe('the workflow of a construction-on-not-started alert', () => {
  it('new → assigned → in field → confirmed → closed, with photos, the start on the parcel card, every step logged', async () => {
    const { id } = await alertOf(idleParcel)
    const code = await parcelCode(idleParcel)
    const first = await get(`/api/alerts/${id}`, a1)
    expect(first.headers.etag).toBe('"2"') // created, then assigned
    const a = first.json()
    expect(a).toMatchObject({ status: 'assigned', type: 'construction_on_idle', assignee: { username: 'insp.a1' }, parcel: { code } })
    expect(a.change).toMatchObject({ image_before: '2024-01-01', image_after: '2024-03-31' })
    expect(a.change.geometry.type).toBe('MultiPolygon')
    expect(a.detections).toHaveLength(1)

    // another inspector of the county may not act on it; a step the status does not allow is refused
    expect((await step(id, 2, { action: 'start_field' }, a2)).statusCode).toBe(403)
    const early = await step(id, 2, { action: 'close' }, a1)
    expect(early.statusCode).toBe(409)
    expect(early.json().code).toBe('invalid_transition')
    // a surveyor does not work alerts at all
    expect((await step(id, 2, { action: 'start_field' }, surveyor)).statusCode).toBe(403)

    const field = await step(id, 2, { action: 'start_field' }, a1)
    expect(field.statusCode, field.body).toBe(200)
    expect(field.headers.etag).toBe('"3"')
    const stale = await step(id, 2, { action: 'start_field' }, a1)
    expect(stale.statusCode).toBe(409)
    expect(stale.json()).toMatchObject({ code: 'version_conflict', detail: { current_version: 3, current: { status: 'in_field' } } })

    // photos: by content and size; the same bytes twice are one photo
    const p = await photo(id, PNG, 'site.png', a1)
    expect(p.statusCode, p.body).toBe(201)
    const sha = crypto.createHash('sha256').update(PNG).digest('hex')
    expect(p.json()).toMatchObject({ media_type: 'image/png', size_bytes: PNG.length, sha256: sha, uploaded_by: 'insp.a1' })
    expect(fs.readFileSync(path.join(PHOTO_DIR, sha.slice(0, 2), `${sha}.png`)).equals(PNG)).toBe(true)
    expect((await photo(id, PNG, 'again.png', a1)).statusCode).toBe(200)
    const text = await photo(id, Buffer.from('not a picture at all, just text pretending'), 'fake.jpg', a1)
    expect(text.statusCode).toBe(415)
    expect(text.json().code).toBe('not_an_image')
    const big = await photo(id, bigJpeg(), 'big.jpg', a1)
    expect(big.statusCode).toBe(413)
    expect(big.json().code).toBe('photo_too_large')
    expect((await photo(id, PNG, 'x.png', a2)).statusCode).toBe(403)
    const url = p.json().url
    const served = await get(url, a1)
    expect(served.statusCode).toBe(200)
    expect(served.headers['content-type']).toBe('image/png')
    expect(served.rawPayload.equals(PNG)).toBe(true)
    expect((await get(url, surveyor)).statusCode).toBe(403)
    expect((await get(url, b1)).statusCode).toBe(404)
    expect(await t.app.db.one('SELECT count(*)::int AS n FROM alert_photo WHERE alert_id = $1', [id], (r) => r.n)).toBe(1)

    // the finding: a future visit is refused naming the field; then confirmed with the start date
    const future = await step(id, 3, { action: 'confirm', finding: { notes: '已动工', visited_on: '2099-01-01' } }, a1)
    expect(future.statusCode).toBe(400)
    expect(future.json().message).toContain('visited_on')
    expect((await step(id, 3, { action: 'confirm' }, a1)).statusCode).toBe(400)
    const finding = { notes: '现场已开挖基坑，塔吊两台', visited_on: '2024-07-02', position: { lon: 112.5012, lat: 34.6021 }, started_on: '2024-05-20' }
    const confirmed = await step(id, 3, { action: 'confirm', finding }, a1)
    expect(confirmed.statusCode, confirmed.body).toBe(200)
    expect(confirmed.json()).toMatchObject({ status: 'confirmed', finding: { ...finding, outcome: 'confirmed', recorded_by: 'insp.a1', start_recorded: true } })
    expect(confirmed.json().start_event_id).toBeGreaterThan(0)
    expect(confirmed.json().photos).toHaveLength(1)
    // no more photos once the finding is in
    expect((await photo(id, PNG, 'late.png', a1)).statusCode).toBe(409)

    const card = (await get(`/api/parcels/${encodeURIComponent(code)}`, a1)).json()
    expect(card.properties.development.started_on).toBe('2024-05-20')
    expect(card.properties.stage).toBe('under_construction')

    const closed = await step(id, 4, { action: 'close' }, a1)
    expect(closed.statusCode, closed.body).toBe(200)
    expect(closed.json().status).toBe('closed')
    expect(closed.json().closed_at).toBeTruthy()

    // every step in the event log, with who
    const steps = closed.json().history.map((h: { actor: string; to: string }) => [h.actor, h.to])
    expect(steps).toEqual([
      ['user:admin.t', 'new'], ['user:admin.t', 'assigned'], ['user:insp.a1', 'in_field'],
      ['user:insp.a1', 'confirmed'], ['user:insp.a1', 'closed'],
    ])
    // and in the parcel's file (一地一档), with the start the finding recorded
    const file = (await get(`/api/parcels/${encodeURIComponent(code)}/history`, a1)).json()
    expect(file.events.filter((e: { entity: string }) => e.entity === 'alert').length).toBe(5)
    expect(file.events.some((e: { entity: string; value: { kind?: string } | null }) => e.entity === 'development_event')).toBe(true)
    // the open-alerts list of the inspector no longer holds it
    expect((await get('/api/alerts?assignee=me&open=true', a1)).json().items.map((x: { id: number }) => x.id)).not.toContain(id)
  })
})

describe('a confirmed 未供即用', () => {
  it('opens a ledger entry on its parcel', async () => {
    const { id } = await alertOf(ubsParcel)
    expect((await step(id, 2, { action: 'start_field' }, a1)).statusCode).toBe(200)
    const r = await step(id, 3, { action: 'confirm', finding: { notes: '已建成钢结构厂房，无供地手续', visited_on: '2024-07-05' } }, a1)
    expect(r.statusCode, r.body).toBe(200)
    expect(r.json().ledger_id).toBeGreaterThan(0)
    const ledger = (await get(`/api/parcels/${encodeURIComponent(await parcelCode(ubsParcel))}/ledger`, analystA)).json()
    const entry = (Array.isArray(ledger) ? ledger : ledger.entries ?? ledger.items).find((e: { id: number }) => e.id === r.json().ledger_id)
    expect(entry.cause).toContain('未供即用')
    expect(entry.responsible_unit).toBe('县（区）自然资源主管部门')
    const today = await t.app.db.one('SELECT luoyang_today()::text AS d', [], (x) => x.d)
    expect(entry.deadline).toBe(new Date(Date.parse(today) + 90 * 86400_000).toISOString().slice(0, 10))
  })

  it('on land with no parcel: the ledger entry goes to the parcel the inspector names, in scope', async () => {
    const c = await s.change({ rect: [5000, 500, 50, 40], imageAfter: '2024-03-31' })
    await scan({ types: ALL_CHANGE_TYPES, as_of: '2024-06-30' })
    const { id } = await t.app.db.one('SELECT id FROM alert WHERE change_id = $1', [c])
    // the label in Chinese only (the English half of the reason's label is for the API's readers)
    expect((await get(`/api/alerts/${id}`, a1)).json().label).toBe('疑似违法用地：遥感新增建设位于未批准建设的土地')
    await step(id, 2, { action: 'start_field' }, a1)
    const outOfScope = await step(id, 3, { action: 'confirm', finding: { notes: '违建', visited_on: '2024-07-05', parcel_code: await parcelCode(countyBParcel) } }, a1)
    expect(outOfScope.statusCode).toBe(400)
    expect(outOfScope.json().message).toContain('parcel_code')
    const named = await s.parcel({ rect: [5200, 500, 50, 50], cluster: 'luolong-t' })
    const ok = await step(id, 3, { action: 'confirm', finding: { notes: '违建，已补测宗地', visited_on: '2024-07-05', parcel_code: await parcelCode(named) } }, a1)
    expect(ok.statusCode, ok.body).toBe(200)
    expect(await t.app.db.one('SELECT parcel_id FROM disposal_ledger WHERE id = $1', [ok.json().ledger_id], (x) => x.parcel_id)).toBe(named)
  })
})

describe('two inspectors at once', () => {
  it('both take the same new alert on the same version: one succeeds, the other gets 409', async () => {
    const sc = new Scenario(t.app.db, '410323')
    const p = await sc.parcel({ rect: [50000, 0, 100, 100], cluster: 'xinan-t' })
    await sc.change({ rect: [50020, 20, 60, 60], imageAfter: '2024-03-31' })
    await scan({ types: ALL_CHANGE_TYPES, as_of: '2024-06-30' }) // no inspector in 410323 yet: stays new
    const { id, version } = await alertOf(p)
    expect(version).toBe(1)
    const c1 = await t.loginAs('inspector', ['410323'], 'insp.c1')
    const c2 = await t.loginAs('inspector', ['410323'], 'insp.c2')
    const [r1, r2] = await Promise.all([step(id, 1, { action: 'take' }, c1), step(id, 1, { action: 'take' }, c2)])
    expect([r1.statusCode, r2.statusCode].sort()).toEqual([200, 409])
    const winner = r1.statusCode === 200 ? 'insp.c1' : 'insp.c2'
    const loser = r1.statusCode === 200 ? r2 : r1
    expect(loser.json()).toMatchObject({ code: 'version_conflict', detail: { current: { assignee: { username: winner } } } })
    expect((await get(`/api/alerts/${id}`, c1)).json()).toMatchObject({ status: 'assigned', assignee: { username: winner }, version: 2 })
  })

  it('an analyst re-assigns; an inspector may not assign', async () => {
    const { id, version } = await alertOf(countyBParcel)
    const analystB = await t.loginAs('analyst', ['410322'], 'analyst.b')
    expect((await step(id, version, { action: 'assign', assignee: 'insp.b1' }, b1)).statusCode).toBe(403)
    const bad = await step(id, version, { action: 'assign', assignee: 'insp.a1' }, analystB)
    expect(bad.statusCode).toBe(400) // not an inspector of 410322
    const b2 = await t.loginAs('inspector', ['410322'], 'insp.b2')
    const ok = await step(id, version, { action: 'assign', assignee: 'insp.b2' }, analystB)
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().assignee.username).toBe('insp.b2')
    expect((await get('/api/alerts?assignee=me', b2)).json().items.map((x: { id: number }) => x.id)).toContain(id)
  })

  it('lists whom an alert may be assigned to: active inspectors of its county or the whole city, with their open alerts', async () => {
    const { id } = await alertOf(countyBParcel)
    const analystB = await t.loginAs('analyst', ['410322'], 'analyst.b')
    await t.loginAs('inspector', null, 'insp.city')
    const gone = await t.loginAs('inspector', ['410322'], 'insp.b-gone')
    await t.app.db.none(`UPDATE app_user SET active = false WHERE username = 'insp.b-gone'`)
    const res = await get(`/api/alerts/${id}/assignees`, analystB)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ alert_id: id, county_code: '410322', assignee: 'insp.b2' })
    // county inspectors first, then city-wide; not 410311's inspectors, not the inactive one
    expect(body.inspectors.map((i: { username: string }) => i.username)).toEqual(['insp.b1', 'insp.b2', 'insp.city'])
    const open = await t.app.db.one(`SELECT count(*)::int AS n FROM alert a JOIN app_user u ON u.id = a.assignee_id
      WHERE u.username = 'insp.b2' AND a.status IN ('assigned', 'in_field')`, [], (r) => r.n)
    expect(body.inspectors.find((i: { username: string }) => i.username === 'insp.b2')).toMatchObject({ city_wide: false, open_alerts: open })
    expect(open).toBeGreaterThan(0)
    // every name listed is accepted by the assign step
    for (const name of body.inspectors.map((i: { username: string }) => i.username)) {
      const cur = await alertOf(countyBParcel)
      expect((await step(id, cur.version, { action: 'assign', assignee: name }, analystB)).statusCode, name).toBe(200)
    }
    // who may ask: supervisors in scope; an inspector is refused, another county's analyst gets 404 as for a missing alert
    expect((await get(`/api/alerts/${id}/assignees`, b1)).statusCode).toBe(403)
    expect((await get(`/api/alerts/${id}/assignees`, gone)).statusCode).toBe(401)
    expect((await get(`/api/alerts/${id}/assignees`, analystA)).statusCode).toBe(404)
    expect((await get('/api/alerts/999999999/assignees', admin)).json()).toMatchObject({ statusCode: 404, code: 'not_found' })
  })
})

describe('overdue alerts', () => {
  it('are listed, and escalated to the county\'s analyst by the scan', async () => {
    const { id } = await alertOf(countyBParcel)
    // ten days have passed since it fell due
    await t.app.db.none(`UPDATE alert SET due_on = luoyang_today() - 10 WHERE id = $1`, [id])
    const r = await scan({})
    expect(r.result.escalated).toBeGreaterThanOrEqual(1)
    const analystB = await t.loginAs('analyst', ['410322'], 'analyst.b')
    const overdue = (await get('/api/alerts?overdue=true', analystB)).json()
    expect(overdue.items).toEqual([expect.objectContaining({ id, overdue: true, days_overdue: 10, escalated_to: 'analyst.b' })])
    expect((await get('/api/alerts?escalated=true', analystB)).json().numberMatched).toBe(1)
    expect((await get('/api/alerts?overdue=true', analystA)).json().items.map((x: { id: number }) => x.id)).not.toContain(id)
    // escalated once: a second scan leaves it
    expect((await scan({})).result.escalated).toBe(0)
  })

  it('"due soon" is open and due within alert_due_soon_days (3) of today, a county rule', async () => {
    const { id } = await alertOf(countyBParcel)
    const analystB = await t.loginAs('analyst', ['410322'], 'analyst.b')
    const soon = async (days: number) => {
      await t.app.db.none(`UPDATE alert SET due_on = luoyang_today() + $2::int WHERE id = $1`, [id, days])
      return (await get('/api/alerts?due_soon=true', analystB)).json().items.map((x: { id: number }) => x.id).includes(id)
    }
    expect(await soon(3)).toBe(true)
    expect(await soon(4)).toBe(false)
    expect(await soon(-1)).toBe(false) // overdue, not due soon
    await t.app.db.none(`INSERT INTO county_rule (county_code, key, value, effective_from) VALUES ('410322', 'alert_due_soon_days', '7', '2000-01-01')`)
    expect(await soon(4)).toBe(true)
  })
})

describe('intake through the upload pipeline (layer changes)', () => {
  const geometryOf = (rect: Rect) => t.app.db.one(
    'SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromText($1, 4546), 4490), 9)::json AS g', [rectWkt(rect)], (r) => r.g)

  async function uploadChanges(features: { code: string; period: string; before: string; after: string; rect: Rect }[]) {
    const doc = {
      type: 'FeatureCollection',
      features: await Promise.all(features.map(async (f) => ({
        type: 'Feature', geometry: await geometryOf(f.rect),
        properties: { 图斑编号: f.code, 监测批次: f.period, 变化类型: '新增建设', 前时相: f.before, 后时相: f.after },
      }))),
    }
    const file = writeJson(join(dir, `changes-${features[0]!.code}.geojson`), doc)
    const body = multipart({ layer: 'changes' }, uploadFile(file))
    const up = await t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...analystA } })
    expect(up.statusCode, up.body).toBe(201)
    const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${up.json().id}/commit`, headers: analystA, payload: { acceptWarnings: true } })
    expect(commit.statusCode, commit.body).toBe(200)
  }

  it('a commit runs the rules; the same change in the next period is linked to the alert, not duplicated', async () => {
    const p = await s.parcel({ rect: [8000, 0, 100, 100], cluster: 'luolong-t' })
    await uploadChanges([{ code: 'TB-1', period: '2024Q1', before: '2024-01', after: '2024-03', rect: [8020, 20, 60, 60] }])
    const first = await t.app.db.any('SELECT a.id, a.type, a.status, r.code FROM alert a JOIN rs_change r ON r.id = a.change_id WHERE a.parcel_id = $1', [p])
    expect(first).toEqual([expect.objectContaining({ type: 'construction_on_unsupplied', status: 'assigned', code: 'TB-1' })])
    expect(await t.app.db.one(`SELECT trigger, actor FROM alert_scan ORDER BY id DESC LIMIT 1`)).toEqual({ trigger: 'commit', actor: 'user:analyst.a' })

    await uploadChanges([{ code: 'TB-9', period: '2024Q3', before: '2024-06', after: '2024-09', rect: [8025, 22, 60, 60] }])
    const ids = await t.app.db.one(`SELECT (SELECT id FROM rs_change WHERE code = 'TB-1') AS one, (SELECT linked_to FROM rs_change WHERE code = 'TB-9') AS link`)
    expect(ids.link).toBe(ids.one)
    const after = await t.app.db.any('SELECT a.id FROM alert a WHERE a.parcel_id = $1', [p])
    expect(after).toEqual([{ id: first[0].id }])
    const detail = (await get(`/api/alerts/${first[0].id}`, a1)).json()
    expect(detail.detections.map((d: { code: string; period: string }) => `${d.period}:${d.code}`)).toEqual(['2024Q1:TB-1', '2024Q3:TB-9'])
  })
})

describe('the published state machine', () => {
  it('GET /transitions gives every status and step with who takes it, and PATCH enforces that very table', async () => {
    expect((await t.app.inject({ url: '/api/alerts/transitions' })).statusCode).toBe(401)
    const res = await get('/api/alerts/transitions', surveyor)
    expect(res.statusCode).toBe(200)
    const m = res.json() as { statuses: { status: string; label: string }[]; actions: { action: string; from: string[]; to: string; by: string; requires: string | null }[] }
    expect(m.statuses.map((s) => s.status)).toEqual(['new', 'assigned', 'in_field', 'confirmed', 'false_positive', 'closed'])
    expect(m.statuses.find((s) => s.status === 'in_field')!.label).toBe('现场核查中')
    const by = Object.fromEntries(m.actions.map((a) => [a.action, a]))
    expect(by.assign).toEqual({ action: 'assign', label: '分派', from: ['new', 'assigned', 'in_field'], to: 'assigned', by: 'supervisor', requires: 'assignee' })
    expect(by.take).toMatchObject({ from: ['new'], to: 'assigned', by: 'inspector', requires: null })
    expect(by.confirm).toMatchObject({ from: ['in_field'], to: 'confirmed', by: 'assignee', requires: 'finding' })
    expect(by.close).toMatchObject({ from: ['confirmed', 'false_positive'], to: 'closed', by: 'assignee' })
    // closed is final: every step the table refuses from it, PATCH refuses with 409 and the status
    const closed = await t.app.db.one("SELECT id, version FROM alert WHERE status = 'closed' ORDER BY id LIMIT 1")
    const refused = m.actions.filter((a) => !a.from.includes('closed'))
    expect(refused.map((a) => a.action).sort()).toEqual(['assign', 'close', 'confirm', 'false_positive', 'start_field', 'take'])
    for (const a of refused) {
      const r = await step(closed.id, closed.version, { action: a.action, assignee: 'insp.a1', finding: { visited_on: '2024-01-02', notes: 'x' } }, a.by === 'inspector' ? a1 : admin)
      expect(r.statusCode, `${a.action}: ${r.body}`).toBe(409)
      expect(r.json().detail).toEqual({ status: 'closed', action: a.action })
    }
  })
})
