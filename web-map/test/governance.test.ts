/** The governance pages in headless Chromium on the demo data: the quarterly report generated and
 * printed from report.html (its numbers those of the stored report, a figure opening the parcels
 * behind it, charts drawn), the annual evaluation; and the public disclosure page opened with no
 * login, its map drawing the snapshot's tiles and its list the snapshot's items, with no tax,
 * output, price or personal field in the page or in anything it received. No console error, no
 * request off this machine. Screenshots go to test-artifacts/. */
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createTestApp, type TestApp } from '../../server/test/app'
import { hashPassword } from '../../server/auth'
import { generateDemo } from '../../scripts/demo/generate'
import { loadDemo } from '../../scripts/demo/load'
import { SENSITIVE_KEYS, scanJson, scanTile, scanValue, type Finding } from '../../server/test/sensitive-scan'
import { ARTIFACTS, buildMap, CHROMIUM_ARGS, PASSWORD, watchCsp } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'

let t: TestApp
let browser: Browser
let dist: string
let origin: string
let token: { authorization: string }
let secrets: string[]
/** Two-character personal names (高新…) also occur inside place names: compared with whole values only. */
let shortNames: Set<string>

/** Every string leaf of a JSON value. */
function leaves(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => leaves(x, out))
  else if (v !== null && typeof v === 'object') Object.values(v).forEach((x) => leaves(x, out))
  else if (typeof v === 'string') out.push(v)
  return out
}

beforeAll(async () => {
  dist = await buildMap()
  t = await createTestApp({ ONEMAP_WEB_DIST: dist })
  await loadDemo(t.database.db, generateDemo())
  await t.database.db.users.create({ username: 'map.analyst', display_name: '测试分析员', role: 'analyst', county_scope: null, password_hash: await hashPassword(PASSWORD) })
  const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'map.analyst', password: PASSWORD } })
  token = { authorization: `Bearer ${login.json().token}` }
  // personal data and enterprise identities of the demo: none may reach the public page
  const people = await t.database.db.any('SELECT legal_person, contact_phone, credit_code, name FROM enterprise')
  const all = [...new Set(people.flatMap((p: Record<string, string | null>) => [p.legal_person, p.contact_phone, p.credit_code, p.name]).filter((s): s is string => !!s))]
  secrets = [...all.filter((s) => s.length >= 3), 'map.analyst']
  shortNames = new Set(all.filter((s) => s.length < 3))
  expect(secrets.length).toBeGreaterThan(100)
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
}, 300_000)
afterAll(async () => {
  await browser?.close()
  await t?.close()
  if (dist) fs.rmSync(dist, { recursive: true, force: true })
})

interface Watched { context: BrowserContext; page: Page; outside: string[]; errors: string[]; authorized: string[]; bodies: { url: string; type: string; body: Buffer }[] }

async function open(url: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', serviceWorkers: 'block' })
  await watchCsp(context)
  const w: Watched = { context, page: await context.newPage(), outside: [], errors: [], authorized: [], bodies: [] }
  await context.route('**/*', async (route) => {
    const u = new URL(route.request().url())
    if (u.hostname === '127.0.0.1') return route.continue()
    w.outside.push(u.href)
    return route.abort('blockedbyclient')
  })
  context.on('request', (r) => { if (r.headers().authorization) w.authorized.push(r.url()) })
  context.on('response', async (r) => {
    const type = r.headers()['content-type'] ?? ''
    if (!/json|vector-tile|csv|html/.test(type)) return
    try { w.bodies.push({ url: r.url(), type, body: await r.body() }) } catch { /* navigated away */ }
  })
  w.page.on('console', (m) => { if (m.type() === 'error') w.errors.push(m.text()) })
  w.page.on('pageerror', (e) => w.errors.push(String(e)))
  await w.page.goto(origin + url)
  return w
}

async function signIn(page: Page): Promise<void> {
  await page.fill('#login input[name=username]', 'map.analyst')
  await page.fill('#login input[name=password]', PASSWORD)
  await page.click('#login button[type=submit]')
  await page.waitForSelector('[data-testid=user]')
}

async function generate(page: Page, kind: string, period: string): Promise<number> {
  await page.selectOption('[data-testid=report-kind]', kind)
  await page.fill('[data-testid=report-period]', period)
  await page.evaluate(() => { (window as any).onemapReport.ready = false })
  await page.click('[data-testid=report-generate]')
  await page.waitForFunction(() => (window as any).onemapReport.ready || (window as any).onemapReport.error, undefined, { timeout: 120_000 })
  expect(await page.evaluate(() => (window as any).onemapReport.error)).toBeNull()
  return page.evaluate(() => (window as any).onemapReport.id as number)
}

describe('the printable quarterly report', { timeout: BROWSER_TEST_MS }, () => {
  it('is generated for 2025Q2, shows the stored numbers with charts, opens the parcels behind a figure, prints', async () => {
    const w = await open('/report.html')
    try {
      await signIn(w.page)
      const id = await generate(w.page, 'quarterly', '2025Q2')
      const stored = (await t.app.inject({ method: 'GET', url: `/api/reports/${id}`, headers: token })).json()
      expect(await w.page.textContent('[data-testid=report-title]')).toContain('季度进展报告')
      expect(await w.page.textContent('[data-testid=report-as-of]')).toBe('2025-06-30')
      expect(await w.page.textContent('[data-testid=report-data-version]')).toBe(String(stored.data_version))
      // one row per county, cluster and the city, in the unsupplied table
      const rows = await w.page.locator('[data-testid=table-unsupplied] tr[data-testid^=unit-]').count()
      expect(rows).toBe(stored.result.counties.length + stored.result.clusters.length + 1)
      const cityRow = await w.page.locator('[data-testid=table-unsupplied] tr[data-testid=unit-city] td').allTextContents()
      expect(Number(cityRow[1]!.replace(/,/g, ''))).toBeCloseTo(stored.result.city.unsupplied.stock_mu, 1)
      // the dashboard's ECharts drew the chart as SVG, one bar per county and cluster
      const bars = await w.page.evaluate(() => {
        const c = (window as any).__onemapCharts.byDom(document.getElementById('chart-unsupplied'))
        return c.getOption().series[0].data.length
      })
      expect(bars).toBe(stored.result.counties.length + stored.result.clusters.length)
      expect(await w.page.locator('#chart-unsupplied svg').count()).toBe(1)
      // a figure with parcels behind it lists them
      const figure = w.page.locator('a.figure').first()
      await figure.click()
      await w.page.waitForSelector('[data-testid=report-parcels] table tr:nth-child(2)')
      expect(await w.page.locator('[data-testid=report-parcels] table tr').count()).toBeGreaterThan(1)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'report-quarterly.png'), fullPage: true })
      await w.page.click('[data-testid=report-parcels] .close')
      // printing hides the controls
      await w.page.emulateMedia({ media: 'print' })
      expect(await w.page.isVisible('#controls')).toBe(false)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'report-quarterly-print.png'), fullPage: true })
      await w.page.emulateMedia({ media: 'screen' })
      // regenerate-and-compare from the page
      await w.page.click('[data-testid=report-regenerate]')
      await w.page.waitForSelector('[data-testid=regen-result]')
      expect(await w.page.textContent('[data-testid=regen-result]')).toBe('与首次生成结果一致')
      expect(w.errors).toEqual([])
      expect(w.outside).toEqual([])
    } finally {
      await w.context.close()
    }
  })

  it('the annual evaluation shows the method, the scores and the interview list', async () => {
    const w = await open('/report.html')
    try {
      await signIn(w.page)
      const id = await generate(w.page, 'evaluation', '2024')
      const stored = (await t.app.inject({ method: 'GET', url: `/api/reports/${id}`, headers: token })).json()
      expect(await w.page.textContent('[data-testid=report-method]')).toContain('权重')
      const first = stored.result.counties[0]
      expect(await w.page.textContent(`[data-testid=rank-${first.code}]`)).toContain(first.name)
      expect(await w.page.locator('[data-testid=table-interview] tr').count()).toBe(Math.max(stored.result.interview.length, 1) + 1)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'report-evaluation.png'), fullPage: true })
      expect(w.errors).toEqual([])
      expect(w.outside).toEqual([])
    } finally {
      await w.context.close()
    }
  })
})

describe('the public disclosure page', { timeout: BROWSER_TEST_MS }, () => {
  it('opens without login, draws the snapshot on the map and in the list, and shows nothing sensitive', async () => {
    const published = await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: token, payload: { asOf: '2025-06-30' } })
    expect(published.statusCode, published.body).toBe(201)
    const snapshot = (await t.app.inject({ method: 'GET', url: `/api/disclosure/snapshots/${published.json().id}` })).json()
    expect(snapshot.items.length).toBeGreaterThan(0)

    const w = await open('/disclosure.html')
    try {
      await w.page.waitForFunction(() => (window as any).onemapDisclosure?.ready || (window as any).onemapDisclosure?.error, undefined, { timeout: 60_000 })
      expect(await w.page.evaluate(() => (window as any).onemapDisclosure.error)).toBeNull()
      expect(await w.page.locator('[data-testid=disclosure-list] tr[data-seq]').count()).toBe(snapshot.items.length)
      const drawn = await w.page.evaluate(() => (window as any).onemapDisclosure.map.queryRenderedFeatures({ layers: ['disclosure-fill'] }).length)
      expect(drawn).toBeGreaterThan(0)
      // a row flies the map to its item, which is then drawn there
      const item = snapshot.items.find((i: { class: string }) => i.class === 'idle') ?? snapshot.items[0]
      await w.page.click(`[data-testid="item-${item.ref}"]`)
      await w.page.waitForFunction(() => !(window as any).onemapDisclosure.map.isMoving(), undefined, { timeout: 20_000 })
      await w.page.evaluate(() => new Promise((r) => (window as any).onemapDisclosure.map.once('idle', r)))
      const refs = await w.page.evaluate(() => (window as any).onemapDisclosure.map.queryRenderedFeatures({ layers: ['disclosure-fill'] }).map((f: any) => f.properties.ref))
      expect(refs).toContain(item.ref)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'disclosure.png') })

      // nothing sensitive in the page or in anything it received, and no token was ever sent
      const findings: Finding[] = []
      const values: string[] = await w.page.evaluate(() => [...document.querySelectorAll('td, span, option, small, footer')].map((e) => e.textContent ?? ''))
      scanValue(await w.page.evaluate(() => document.body.innerText), secrets, 'page text', findings)
      scanValue(await w.page.content(), secrets, 'page html', findings)
      for (const b of w.bodies) {
        if (b.type.includes('vector-tile')) {
          const tile = scanTile(b.body, secrets, SENSITIVE_KEYS, b.url)
          findings.push(...tile.findings)
          values.push(...leaves(tile.features))
        } else if (b.type.includes('json')) {
          const json = JSON.parse(b.body.toString('utf8'))
          findings.push(...scanJson(json, secrets, SENSITIVE_KEYS, b.url))
          values.push(...leaves(json))
        } else scanValue(b.body.toString('utf8'), secrets, b.url, findings)
      }
      for (const v of values) if (shortNames.has(v.trim())) findings.push({ where: 'a value', what: `personal name ${v}` })
      expect(values.length).toBeGreaterThan(snapshot.items.length)
      expect(findings, JSON.stringify(findings.slice(0, 5))).toEqual([])
      expect(w.bodies.some((b) => b.type.includes('vector-tile') && b.url.includes('/api/disclosure/snapshots/'))).toBe(true)
      expect(w.authorized).toEqual([])
      expect(w.errors).toEqual([])
      expect(w.outside).toEqual([])
    } finally {
      await w.context.close()
    }
  })
})
