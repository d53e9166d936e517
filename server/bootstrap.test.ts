/** The demo's first start (server/bootstrap.ts with ONEMAP_DEMO=true): besides the demo data and
 * users, it publishes a first public disclosure list (§四(四)), so that the public page of a fresh
 * `npm start` is not empty; a second start publishes nothing more. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from './test/app'
import { bootstrap, type BootstrapReport } from './bootstrap'
import { loadConfig } from './config'

let t: TestApp
let first: BootstrapReport
const env = { ONEMAP_DEMO: 'true', ONEMAP_ADMIN_PASSWORD: 'bootstrap-admin-1', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off' }

beforeAll(async () => {
  t = await createTestApp(env)
  first = await bootstrap(t.database.db, loadConfig(env))
}, 600_000)
afterAll(async () => t?.close())

type Item = { class: string; ref: string }

describe('the demo\'s first start', () => {
  it('publishes a first public list that anyone reads without login, drawn from the day\'s findings', async () => {
    expect(first.loaded).not.toBeNull()
    expect(first.published).not.toBeNull()
    const res = await t.app.inject({ method: 'GET', url: '/api/disclosure' })
    expect(res.statusCode, res.body).toBe(200)
    const s = res.json() as { id: number; as_of: string; counts: Record<string, { items: number }>; items: Item[] }
    expect(s.id).toBe(first.published!.id)
    expect(s.as_of).toBe(await t.database.db.governance.today())
    expect(s.items.length).toBe(first.published!.items)
    expect(s.items.length).toBeGreaterThan(0)
    for (const c of ['unsupplied', 'idle', 'inefficient']) expect(s.counts[c]!.items, c).toBe(s.items.filter((i) => i.class === c).length)
    // each published parcel is one the analyses find today (read through the admin's API, not the disclosure's SQL)
    const admin = { authorization: `Bearer ${(await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: env.ONEMAP_ADMIN_PASSWORD } })).json().token}` }
    for (const c of ['idle', 'inefficient'] as const) {
      const page = (await t.app.inject({ method: 'GET', url: `/api/analysis/${c}?limit=1000`, headers: admin })).json() as { features: { properties: { code: string } }[] }
      const found = new Set(page.features.map((f) => f.properties.code))
      const published = s.items.filter((i) => i.class === c).map((i) => i.ref)
      expect(published.filter((r) => !found.has(r)), c).toEqual([])
    }
  })

  it('a second start publishes nothing more', async () => {
    const again = await bootstrap(t.database.db, loadConfig(env))
    expect(again.published).toBeNull()
    expect((await t.app.inject({ method: 'GET', url: '/api/disclosure/snapshots' })).json().snapshots).toHaveLength(1)
  })
})
