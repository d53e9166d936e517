/** The per-mu dashboard in headless Chromium on the demo data: the 18 clusters' tax per mu against
 * their targets (as many above and below as the API says), the trend, the rating distribution, the
 * standard-land checks due, the parcels coloured by tax per mu through feature-state; a surveyor
 * gets the aggregates but no rating, no colouring and no call for enterprise figures. No console
 * error, no request off this machine. Screenshots go to test-artifacts/. */
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import { createTestApp } from '../../server/test/app'
import { hashPassword } from '../../server/auth'
import type { Role } from '../../server/config'
import { generateDemo } from '../../scripts/demo/generate'
import { loadDemo } from '../../scripts/demo/load'
import { ARTIFACTS, buildMap, CHROMIUM_ARGS, jumpTo, loginAs, openPage, PASSWORD, waitIdle, type MapHarness } from './harness'

let h: MapHarness

beforeAll(async () => {
  const dist = await buildMap()
  const t = await createTestApp({ ONEMAP_WEB_DIST: dist })
  await loadDemo(t.database.db, generateDemo())
  for (const role of ['analyst', 'surveyor'] as Role[]) {
    await t.database.db.users.create({ username: `map.${role}`, display_name: `测试${role}`, role, county_scope: null, password_hash: await hashPassword(PASSWORD) })
  }
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = t.app.server.address() as AddressInfo
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  h = {
    t, browser, dist, origin: `http://127.0.0.1:${port}`, fx: undefined as unknown as MapHarness['fx'],
    async close() {
      await browser.close()
      await t.close()
      fs.rmSync(dist, { recursive: true, force: true })
    },
  }
}, 300_000)
afterAll(async () => h?.close())

/** What the API says of the latest year with figures, for a role. */
async function expected(role: Role) {
  const { authorization } = await h.t.loginAs(role, null, `api.${role}`)
  const s = (await h.t.app.inject({ url: '/api/permu/summary?year=2024&from=2022&asOf=2025-06-30', headers: { authorization } })).json()
  return {
    above: s.clusters.filter((c: { above_target: boolean }) => c.above_target).length as number,
    below: s.clusters.filter((c: { above_target: boolean }) => c.above_target === false).length as number,
    authorization,
  }
}

describe('the per-mu dashboard', () => {
  it('shows an analyst every cluster against its target, the trend, the ratings and the checks due, and colours the parcels', async () => {
    const want = await expected('analyst')
    expect(want.above).toBeGreaterThan(0)
    expect(want.below).toBeGreaterThan(0)
    const w = await openPage(h)
    try {
      await loginAs(w.page, 'analyst')
      await w.page.click('#open-dashboard')
      await w.page.waitForSelector('[data-testid=permu-bars] svg')
      expect(await w.page.inputValue('[data-testid=permu-year]')).toBe('2024')
      expect(await w.page.locator('[data-testid=permu-bars] rect[data-cluster]').count()).toBe(18)
      expect(await w.page.locator('[data-testid=permu-bars] rect[data-above=true]').count()).toBe(want.above)
      expect(await w.page.locator('[data-testid=permu-bars] rect[data-above=false]').count()).toBe(want.below)
      expect(await w.page.textContent('[data-testid=permu-above]')).toBe(String(want.above))
      expect(await w.page.locator('[data-testid=permu-bars] line[data-target]').count()).toBe(18)

      // the rating distribution adds up to what the API rates for 2024
      await w.page.waitForSelector('[data-testid=rating-bars] rect[data-grade]')
      const shown = await w.page.$$eval('[data-testid=rating-bars] rect[data-grade]', (rs) => rs.map((r) => Number(r.getAttribute('data-count'))))
      const ratings = (await h.t.app.inject({ url: '/api/permu/ratings?year=2024', headers: { authorization: want.authorization } })).json()
      expect(shown).toEqual(['A', 'B', 'C', 'D'].map((g) => ratings.counts[g]))
      expect(await w.page.locator('[data-testid=due-table] tbody tr').count()).toBeGreaterThan(0)
      expect(await w.page.locator('[data-testid=kpi-table] tbody tr').count()).toBe(19)

      // a cluster's trend beside the city's
      await w.page.click('[data-testid=permu-bars] g.row[data-cluster=shihua]')
      await w.page.waitForSelector('[data-testid=permu-trend] g[data-series="石化"] path')
      expect(await w.page.locator('[data-testid=permu-trend] g[data-series="全市"] circle').count()).toBe(3)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png') })

      // parcels coloured by their attainment of the target (feature-state, no tax in the tiles)
      await w.page.check('[data-testid=permu-colour]')
      await w.page.waitForFunction(() => JSON.stringify((window as any).onemap.map.getPaintProperty('parcels-fill', 'fill-color')).includes('permu'))
      const parcels = (await h.t.app.inject({ url: '/api/permu/parcels?year=2024', headers: { authorization: want.authorization } })).json()
      const sample = parcels.items[0]
      const state = await w.page.evaluate((id) => (window as any).onemap.map.getFeatureState({ source: 'parcels', sourceLayer: 'parcels', id }), sample.id)
      expect(state.permu).toBeCloseTo(sample.attainment, 6)
      const card = (await h.t.app.inject({ url: `/api/parcels/${encodeURIComponent(sample.code)}`, headers: { authorization: want.authorization } })).json()
      const [lon, lat] = card.geometry.coordinates[0][0][0]
      await jumpTo(w.page, [lon, lat], 15)
      await waitIdle(w.page)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-coloured.png') })
      await w.page.uncheck('[data-testid=permu-colour]')
      expect(JSON.stringify(await w.page.evaluate(() => (window as any).onemap.map.getPaintProperty('parcels-fill', 'fill-color')))).not.toContain('permu')

      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    } finally {
      await w.context.close()
    }
  })

  it('shows a surveyor the aggregates only: no ratings, no colouring, no request for enterprise figures', async () => {
    const want = await expected('surveyor')
    const w = await openPage(h)
    const asked: string[] = []
    w.page.on('request', (r) => asked.push(r.url()))
    try {
      await loginAs(w.page, 'surveyor')
      await w.page.click('#open-dashboard')
      await w.page.waitForSelector('[data-testid=permu-bars] svg')
      await w.page.waitForSelector('[data-testid=due-table]')
      expect(await w.page.locator('[data-testid=permu-bars] rect[data-above=true]').count()).toBe(want.above)
      expect(await w.page.locator('[data-testid=rating-bars]').count()).toBe(0)
      expect(await w.page.locator('[data-testid=permu-colour]').count()).toBe(0)
      expect(asked.filter((u) => /\/api\/permu\/(parcels|ratings|enterprises)/.test(u))).toEqual([])
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-surveyor.png') })
      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    } finally {
      await w.context.close()
    }
  })
})
