/** Hostile multipart and file bodies (the bodies the OpenAPI-driven test does not build): a
 * multipart Content-Type without its boundary or a body that does not use it is 400 saying so;
 * hostile values in the upload form's fields never answer 5xx, and every upload they start ends
 * `ready` or `failed` with its own message, never left `validating`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createTestApp, type TestApp } from './test/app'
import { multipart, seedPlaces } from './test/upload-fixture'

let t: TestApp
let analyst: { authorization: string }
beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.database.db)
  analyst = await t.loginAs('analyst', null)
})
afterAll(async () => t?.close())

const square = (code: string, extra: Record<string, unknown> = {}) => ({
  type: 'Feature', properties: { 宗地编号: code, ...extra },
  geometry: { type: 'Polygon', coordinates: [[[112.45, 34.62], [112.451, 34.62], [112.451, 34.621], [112.45, 34.621], [112.45, 34.62]]] },
})
const geojson = (features: object[], crs?: string) => Buffer.from(JSON.stringify({
  type: 'FeatureCollection', ...(crs ? { crs: { type: 'name', properties: { name: crs } } } : {}), features,
}))

const upload = (payload: Buffer | string, contentType: string) =>
  t.app.inject({ method: 'POST', url: '/api/uploads', headers: { ...analyst, 'content-type': contentType }, payload })

describe('a malformed multipart request', () => {
  it('without a boundary is 400 naming the missing boundary', async () => {
    const res = await upload('--x\r\nContent-Disposition: form-data; name="layer"\r\n\r\nparcels\r\n--x--\r\n', 'multipart/form-data')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'bad_multipart' })
    expect(res.json().message).toMatch(/boundary/)
  })

  it('whose body does not use the boundary it declares is 4xx saying what is wrong, never 5xx', async () => {
    const body = multipart({ layer: 'parcels' }, { name: 'a.geojson', data: geojson([square('H-1')]) })
    const res = await upload(body.payload, 'multipart/form-data; boundary=not-the-one-used')
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('bad_multipart')
    expect(res.json().message).toMatch(/boundary/)
    // cut off half-way
    const cut = await upload(body.payload.subarray(0, body.payload.length / 2), body.headers['content-type'])
    expect(cut.statusCode).toBe(400)
    expect(cut.json().code).toMatch(/bad_multipart|invalid_request/)
  })

  it('to the photo route is 400 too', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/alerts/1/photos', headers: { ...analyst, 'content-type': 'multipart/form-data' }, payload: 'x' })
    expect(res.statusCode).toBeLessThan(500)
  })
})

describe('hostile values in the upload form', () => {
  const NAMED = ['\u0000', 'a\u0000b', 'x'.repeat(100_000), '地'.repeat(5000), '', 'Infinity', '-1', '99999999999999999999',
    '0000-01-01', '2026-02-30', '../../../etc/passwd', "' OR '1'='1", '😀𝌆', '{"code":"\\u0000"}', '{"code":"\\ud800"}', '{"code":"宗地编号"}', '[]', 'null', 'EPSG:99999999999']

  it('never answer 5xx, and every upload they start ends ready or failed with its message', async () => {
    const file = geojson([square('H-1'), square('H-2')])
    const statuses = new Map<number, number>()
    const send = async (field: string, value: string) => {
      const fields: Record<string, string> = { layer: 'parcels', [field]: value }
      const body = multipart(fields, { name: 'hostile.geojson', data: file })
      const res = await upload(body.payload, body.headers['content-type'])
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      expect(res.statusCode, `${field} = ${JSON.stringify(value).slice(0, 40)}: ${res.body.slice(0, 200)}`).toBeLessThan(500)
    }
    for (const field of ['layer', 'crs', 'confirmCrs', 'encoding', 'mapping']) {
      for (const v of NAMED) await send(field, v)
    }
    await fc.assert(fc.asyncProperty(fc.constantFrom('layer', 'crs', 'confirmCrs', 'encoding', 'mapping'), fc.string({ unit: 'binary', maxLength: 30 }), async (field, v) => {
      await send(field, v)
      return true
    }), { seed: 15, numRuns: 40 })
    const stuck = await t.database.db.any(`SELECT id, status FROM upload WHERE status NOT IN ('ready', 'failed')`)
    expect(stuck).toEqual([])
    const failed = await t.database.db.any(`SELECT error FROM upload WHERE status = 'failed'`)
    for (const f of failed) expect(f.error?.message, JSON.stringify(f)).toMatch(/\S/)
    expect(statuses.get(201)).toBeGreaterThan(0)
  })

  it('a field longer than the form allows is 400 naming it, and no upload is started', async () => {
    const before = await t.database.db.one('SELECT count(*)::int AS n FROM upload', [], (r: { n: number }) => r.n)
    for (const [field, value] of [['crs', 'EPSG:' + '4'.repeat(100)], ['encoding', 'g'.repeat(41)], ['confirmCrs', 'true'.repeat(10)], ['mapping', `{"code":"${'x'.repeat(70_000)}"}`]] as const) {
      const body = multipart({ layer: 'parcels', [field]: value }, { name: 'long.geojson', data: geojson([square('L-1')]) })
      const res = await upload(body.payload, body.headers['content-type'])
      expect(res.statusCode, field).toBe(400)
      expect(res.json(), field).toMatchObject({ code: 'invalid_request', detail: { field } })
      expect(res.json().message, field).toContain(`"${field}"`)
    }
    expect(await t.database.db.one('SELECT count(*)::int AS n FROM upload', [], (r: { n: number }) => r.n)).toBe(before)
  })

  it('a file whose text carries a lone UTF-16 surrogate (a GeoJSON "\\ud800") ends ready or failed, never 5xx or validating', async () => {
    for (const [name, data] of [
      ['surrogate-crs.geojson', geojson([square('S-1')], 'EPSG:45\ud80046')],
      ['surrogate-field.geojson', geojson([square('S-2', { 权利人: 'a\ud800b', 备注: '\udc00' })])],
      ['nul-field.geojson', geojson([square('S-3', { 权利人: 'a\u0000b' })])],
      ['surrogate-column.geojson', geojson([square('S-4', { '权利\ud800': 'x', 'a\u0000': 'y' })])],
    ] as const) {
      const body = multipart({ layer: 'parcels' }, { name, data })
      const res = await upload(body.payload, body.headers['content-type'])
      expect(res.statusCode, `${name}: ${res.body.slice(0, 300)}`).toBeLessThan(500)
      const rows = await t.database.db.any(`SELECT status, error FROM upload WHERE file_name = $1`, [name])
      for (const r of rows) {
        expect(r.status, name).not.toBe('validating')
        if (r.status === 'failed') expect(r.error.message, name).toMatch(/\S/)
      }
    }
  })

  it('a file whose text carries a NUL into the error ends failed with that message, not validating', async () => {
    const body = multipart({ layer: 'parcels' }, { name: 'nul.geojson', data: geojson([square('H-9')], 'EPSG:45\u000046') })
    const res = await upload(body.payload, body.headers['content-type'])
    expect(res.statusCode, res.body).toBeLessThan(500)
    const rows = await t.database.db.any(`SELECT status, error FROM upload WHERE file_name = 'nul.geojson'`)
    for (const r of rows) {
      expect(r.status).not.toBe('validating')
      if (r.status === 'failed') expect(r.error.message).toMatch(/EPSG:45␀46|crs|CRS|坐标/)
    }
  })
})

describe('the yearly-figures table sent as the body', () => {
  it('never answers 5xx to a hostile table', async () => {
    const admin = await t.loginAs('admin', null)
    const tables = [
      '统一社会信用代码,税收\n\u0000,1\n', `统一社会信用代码,税收\n91410300MA44XXXX0X,${'9'.repeat(40)}\n`, '统一社会信用代码,税收\n91410300MA44XXXX0X,Infinity\n',
      '\uFEFF', 'a'.repeat(10_000), '"unterminated,\n', '统一社会信用代码\n../../etc/passwd\n', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]).toString('latin1'),
    ]
    for (const table of tables) {
      for (const type of ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']) {
        const res = await t.app.inject({ method: 'POST', url: '/api/enterprises/figures/2024/import', headers: { ...admin, 'content-type': type }, payload: table })
        expect(res.statusCode, `${type} ${JSON.stringify(table).slice(0, 40)}: ${res.body.slice(0, 200)}`).toBeLessThan(500)
      }
    }
  })
})
