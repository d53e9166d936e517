import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Fastify from 'fastify'
import { createTestApp, type TestApp } from './test/app'
import { bootstrap } from './bootstrap'
import { loadConfig } from './config'
import auth from './plugins/auth'
import errors from './plugins/errors'

let t: TestApp

beforeAll(async () => {
  t = await createTestApp()
  await bootstrap(t.database.db, loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_ADMIN_PASSWORD: 'admin-pass-1' }))
})
afterAll(async () => t.close())

/** The seed's own sentence (§一(二)3) parsed here from the plan's text (fixtures/seed/), independently of the cluster fixture: name → 万元/mu. */
function seedTargets(): Map<string, number> {
  const seed = fs.readFileSync(path.resolve(__dirname, '../fixtures/seed/luoyang-action-plan-2021.txt'), 'utf8')
  const para = seed.split('\n').find((l) => l.startsWith('3. 提高工业用地亩均税收'))!
  const targets = new Map<string, number>()
  for (const clause of para.split('；')) {
    const m = /([^。]*?)亩均税收达到(\d+)万元以上/.exec(clause)
    if (!m) continue
    for (const name of m[1]!.split('、')) targets.set(name.replace(/^.*?，/, '').trim(), Number(m[2]))
  }
  return targets
}

describe('health', () => {
  it('reports the database mode and the PostGIS version', async () => {
    const res = await t.app.inject('/api/health')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.status).toBe('ok')
    expect(body.database.mode).toBe('server')
    expect(body.database.postgis).toMatch(/^3\.\d+\.\d+/)
    expect(res.headers['x-request-id']).toBeTruthy()
  })

  it('names the request id on error answers too (401, 404), where a user quotes it', async () => {
    for (const url of ['/api/parcels/NO-SUCH', '/api/no-such-route']) {
      const res = await t.app.inject({ url, headers: { 'x-request-id': 'req-from-proxy-1' } })
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400)
      expect(res.headers['x-request-id'], url).toBe('req-from-proxy-1')
    }
  })
})

describe('clusters', () => {
  it('lists the 18 clusters of the seed with their exact names and targets', async () => {
    const targets = seedTargets()
    expect(targets.size).toBe(18)
    const res = await t.app.inject('/api/clusters')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/geo\+json/)
    const fc = res.json()
    expect(fc.type).toBe('FeatureCollection')
    expect(fc.features).toHaveLength(18)
    for (const f of fc.features) {
      expect(targets.get(f.properties.name), f.properties.name).toBe(f.properties.target_tax_per_mu)
      expect(f.properties.county_code).toMatch(/^4103\d\d$/)
      expect(f.properties.leading_industries.length).toBeGreaterThan(0)
      expect(f.geometry.type).toBe('MultiPolygon')
      expect(f.properties.area_mu).toBeCloseTo(f.properties.area_m2 * 15 / 10000, 2)
    }
    const byTarget = (n: number) => fc.features.filter((f: { properties: { target_tax_per_mu: number } }) => f.properties.target_tax_per_mu === n).length
    expect([byTarget(40), byTarget(20), byTarget(15), byTarget(10)]).toEqual([1, 6, 5, 6])
  })

  it('gets one cluster, and 404 names an unknown code', async () => {
    const ok = await t.app.inject('/api/clusters/shihua')
    expect(ok.json().properties).toMatchObject({ name: '洛阳石化产业集聚区', target_tax_per_mu: 40 })
    const missing = await t.app.inject('/api/clusters/nowhere')
    expect(missing.statusCode).toBe(404)
    expect(missing.json().message).toContain('nowhere')
  })
})

describe('accounts', () => {
  it('logs in with the admin password from ONEMAP_ADMIN_PASSWORD and refuses a wrong one with 401', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'wrong' } })
    expect(bad.statusCode).toBe(401)
    expect(bad.json().code).toBe('bad_credentials')
    const unknown = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'x' } })
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json().message).toBe(bad.json().message)
    const ok = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'admin-pass-1' } })
    expect(ok.statusCode).toBe(200)
    const me = await t.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${ok.json().token}` } })
    expect(me.json()).toMatchObject({ username: 'admin', role: 'admin', county_scope: null })
    const hash = await t.database.db.one("SELECT password_hash FROM app_user WHERE username = 'admin'")
    expect(hash.password_hash).toMatch(/^\$argon2id\$/)
  })

  it('refuses a missing, forged or revoked token', async () => {
    expect((await t.app.inject('/api/auth/me')).statusCode).toBe(401)
    const forged = await t.app.inject({ url: '/api/auth/me', headers: { authorization: 'Bearer forged-token' } })
    expect(forged.statusCode).toBe(401)
    expect(forged.json().code).toBe('bad_token')
    const h = await t.loginAs('analyst', ['410311'])
    expect((await t.app.inject({ url: '/api/auth/me', headers: h })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: h })).statusCode).toBe(204)
    expect((await t.app.inject({ url: '/api/auth/me', headers: h })).statusCode).toBe(401)
  })

  it('refuses a body with an unknown field, naming it', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'x', role: 'admin' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('请求参数有误 / invalid body field "role": must NOT have additional properties')
  })

  it('refuses to build an app with a route that does not declare who may call it', async () => {
    const app = Fastify()
    app.decorate('db', {} as never)
    await app.register(errors)
    await app.register(auth)
    expect(() => app.get('/open', async () => 'x')).toThrow(/route GET \/open does not declare config.access/)
  })
})

describe('county scope', () => {
  it('answers a parcel of another county exactly like a missing one', async () => {
    const db = t.database.db
    await db.none(`INSERT INTO parcel (code, county_code, cluster_code, geom) VALUES
      ('410311-A', '410311', 'luolong', ST_Multi(ST_GeomFromText('POLYGON((112.45 34.59,112.451 34.59,112.451 34.591,112.45 34.591,112.45 34.59))', 4490))),
      ('410324-B', '410324', 'luanchuan', ST_Multi(ST_GeomFromText('POLYGON((111.62 33.79,111.621 33.79,111.621 33.791,111.62 33.791,111.62 33.79))', 4490)))`)
    const surveyor = await t.loginAs('surveyor', ['410311'])
    const own = await t.app.inject({ url: '/api/parcels/410311-A', headers: surveyor })
    expect(own.statusCode).toBe(200)
    expect(own.json().properties.code).toBe('410311-A')
    const other = await t.app.inject({ url: '/api/parcels/410324-B', headers: surveyor })
    const missing = await t.app.inject({ url: '/api/parcels/NO-SUCH', headers: surveyor })
    expect(other.statusCode).toBe(404)
    expect(missing.statusCode).toBe(404)
    expect(other.json().code).toBe(missing.json().code)
    expect(other.json().message.replace('410324-B', 'X')).toBe(missing.json().message.replace('NO-SUCH', 'X'))
    const city = await t.loginAs('analyst', null)
    expect((await t.app.inject({ url: '/api/parcels/410324-B', headers: city })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/parcels/410324-B' })).statusCode).toBe(401)
  })
})
