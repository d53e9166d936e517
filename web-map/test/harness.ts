/** What the browser tests share: the map built once with Vite's JS API, the app on a fresh test
 * database listening on a loopback port, the 18 clusters of the seed plus the tile fixture, and a
 * headless Debian Chromium (never downloaded) whose every request off 127.0.0.1 is blocked and
 * recorded, with console errors collected. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { afterEach } from 'vitest'
import { build } from 'vite'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createTestApp, type TestApp } from '../../server/test/app'
import { hashPassword } from '../../server/auth'
import type { Role } from '../../server/config'
import { insertMapFixture, insertSeedClusters, type MapFixture } from '../../server/test/tiles-fixture'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '..', '..')
export const ARTIFACTS = path.join(ROOT, 'test-artifacts')
export const PASSWORD = 'map-test-password-1'

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']

export interface MapHarness {
  t: TestApp
  fx: MapFixture
  origin: string
  browser: Browser
  dist: string
  close(): Promise<void>
}

/** Builds the map into a temp dir (so that parallel files and `npm run build` never collide). */
export async function buildMap(): Promise<string> {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-web-'))
  await build({ configFile: path.join(ROOT, 'web-map', 'vite.config.ts'), logLevel: 'error', build: { outDir: dist, emptyOutDir: true, sourcemap: false } })
  return dist
}

export async function startHarness(env: Record<string, string> = {}): Promise<MapHarness> {
  const dist = await buildMap()
  const t = await createTestApp({ ONEMAP_WEB_DIST: dist, ...env })
  const fx = await insertMapFixture(t.database.db)
  await insertSeedClusters(t.database.db, path.join(ROOT, 'fixtures', 'luoyang-clusters.json'))
  for (const role of ['admin', 'analyst', 'surveyor', 'inspector'] as Role[]) {
    await t.database.db.users.create({ username: `map.${role}`, display_name: `测试${role}`, role, county_scope: null, password_hash: await hashPassword(PASSWORD) })
  }
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = t.app.server.address() as AddressInfo
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  return {
    t, fx, dist, browser, origin: `http://127.0.0.1:${port}`,
    async close() {
      await browser.close()
      await t.close()
      fs.rmSync(dist, { recursive: true, force: true })
    },
  }
}

/** Content-Security-Policy violations seen by any page of this file since the last test ended:
 * every browser test fails on one (the server sends its real policy to these pages). */
const cspViolations: string[] = []

afterEach(() => {
  if (cspViolations.length === 0) return
  const seen = [...new Set(cspViolations.splice(0))]
  throw new Error(`the page broke its Content-Security-Policy:\n${seen.join('\n')}`)
})

/** Reports every CSP violation of the pages of a browser context (the DOM's securitypolicyviolation
 * events, and Chromium's console lines for what has no document, e.g. a worker). */
export async function watchCsp(context: BrowserContext): Promise<void> {
  await context.exposeBinding('__onemapCspViolation', (_source, text: string) => { cspViolations.push(text) })
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as unknown as { __onemapCspViolation(text: string): void }
      w.__onemapCspViolation(`${location.pathname}: ${e.effectiveDirective} refused ${e.blockedURI || '(inline)'}` +
        ` at ${e.sourceFile || '?'}:${e.lineNumber}`)
    })
  })
  context.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
  })
}

export interface Watched {
  context: BrowserContext
  page: Page
  /** Requests to anywhere but this server: blocked, and each one a test failure. */
  outside: string[]
  consoleErrors: string[]
  /** Bodies of the JSON and tile responses the page received, for what-was-sent checks. */
  responses: { url: string; body: Buffer }[]
}

export async function openPage(h: MapHarness, opts: { keepBodies?: boolean } = {}): Promise<Watched> {
  const context = await h.browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', serviceWorkers: 'block' })
  const outside: string[] = []
  const consoleErrors: string[] = []
  const responses: { url: string; body: Buffer }[] = []
  await watchCsp(context)
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url())
    if (url.hostname === '127.0.0.1') return route.continue()
    outside.push(url.href)
    return route.abort('blockedbyclient')
  })
  context.on('request', (r) => {
    const url = r.url()
    if (/^https?:/.test(url) && new URL(url).hostname !== '127.0.0.1' && !outside.includes(url)) outside.push(url)
  })
  if (opts.keepBodies) {
    context.on('response', async (r) => {
      const type = r.headers()['content-type'] ?? ''
      if (!/json|vector-tile/.test(type)) return
      try {
        responses.push({ url: r.url(), body: await r.body() })
      } catch { /* a response the page navigated away from */ }
    })
  }
  const page = await context.newPage()
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(String(e)))
  await page.goto(h.origin + '/')
  await waitForLayers(page, 1)
  return { context, page, outside, consoleErrors, responses }
}

/** Opens a watched page, runs `story` on it and closes its context whatever happens. */
export async function withPage<T>(h: MapHarness, story: (w: Watched) => Promise<T>, opts: { keepBodies?: boolean } = {}): Promise<T> {
  const w = await openPage(h, opts)
  try {
    return await story(w)
  } finally {
    await w.context.close()
  }
}

/** Waits until the data layers have been (re)built `builds` times and the map is idle. */
export async function waitForLayers(page: Page, builds: number): Promise<void> {
  await page.waitForFunction((n) => ((window as any).onemap?.builds ?? 0) >= n, builds, { timeout: 30_000 })
  await waitIdle(page)
}

/** Resolves when the map has rendered every tile of the current view; fails, saying what it saw,
 * when that takes longer than `ms` (a hang would otherwise surface only as the test's timeout). */
export async function waitIdle(page: Page, ms = 30_000): Promise<void> {
  await page.evaluate((limit) => new Promise<void>((resolve, reject) => {
    const map = (window as any).onemap.map
    const timer = setTimeout(() => reject(new Error(`the map was not idle after ${limit} ms: ` +
      `loaded ${map.loaded()}, tiles loaded ${map.areTilesLoaded()}, moving ${map.isMoving()}`)), limit)
    const check = () => {
      if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) {
        clearTimeout(timer)
        resolve()
      } else map.once('idle', check)
    }
    // one frame first, so that a camera change just made has started its tile requests
    requestAnimationFrame(check)
  }), ms)
}

export async function jumpTo(page: Page, center: [number, number], zoom: number): Promise<void> {
  await page.evaluate(([c, z]) => (window as any).onemap.map.jumpTo({ center: c, zoom: z }), [center, zoom] as const)
  await waitIdle(page)
}

export async function renderedCount(page: Page, layer: string): Promise<number> {
  return page.evaluate((l) => {
    const map = (window as any).onemap.map
    return map.getLayer(l) ? map.queryRenderedFeatures({ layers: [l] }).length : -1
  }, layer)
}

export async function renderedProps(page: Page, layer: string): Promise<Record<string, unknown>[]> {
  return page.evaluate((l) => {
    const map = (window as any).onemap.map
    return map.getLayer(l) ? map.queryRenderedFeatures({ layers: [l] }).map((f: any) => f.properties) : []
  }, layer)
}

export async function loginAs(page: Page, role: Role): Promise<void> {
  await signInAs(page, `map.${role}`)
}

/** Signs in on the map page as a user created with PASSWORD, and waits for the layers it may see. */
export async function signInAs(page: Page, username: string): Promise<void> {
  const builds = await page.evaluate(() => (window as any).onemap.builds as number)
  await page.fill('#login input[name=username]', username)
  await page.fill('#login input[name=password]', PASSWORD)
  await page.click('#login button[type=submit]')
  await page.waitForSelector('[data-testid=user]')
  await waitForLayers(page, builds + 1)
}

/** Clicks the map at a lon/lat. */
export async function clickLngLat(page: Page, lngLat: [number, number]): Promise<void> {
  const point = await page.evaluate((ll) => (window as any).onemap.map.project(ll), lngLat) as { x: number; y: number }
  const box = (await page.locator('#map').boundingBox())!
  await page.mouse.click(box.x + point.x, box.y + point.y)
}
