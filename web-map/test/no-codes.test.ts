/** Every screen as every role, on the demo data, in headless Chromium: no visible text may be a
 * code (`under_construction`, `idle_2`), a county code for its name (410311), a UUID, an ISO
 * timestamp with `T`, or an English word outside a short list of allowed terms (units, EPSG, file
 * formats). Visible text is the text of
 * rendered elements plus what they say through title, aria-label and placeholder (the map's
 * controls). Screenshots of each role's main screens at 1440×900 and 390×844 go to
 * test-artifacts/ (git-ignored). After login a user of 洛龙区 sees the county's parcels without
 * touching the map; a city-wide user is told to zoom in; the security and audit officers see the
 * public map only, with their own screen. Labels come from server/labels/: a screen that shows a code is a
 * screen that forgot to use them. The one exception is text marked data-verbatim: values shown as
 * the user typed them (a county rule's text match patterns), which are data rather than codes. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ARTIFACTS, CHROMIUM_ARGS, buildMap, renderedCount, waitForLayers, waitIdle, watchCsp } from './harness'
import { createTestApp, type TestApp } from '../../server/test/app'
import { loadConfig } from '../../server/config'
import { bootstrap, DEMO_PASSWORD, DEMO_USERS } from '../../server/bootstrap'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { FIXTURE_CENTRE, boxPolygon, rect } from '../../server/test/tiles-fixture'

const ADMIN_PASSWORD = 'no-codes-admin-password-1'
let t: TestApp
let dist: string
let browser: Browser
let origin: string
/** A parcel of 洛龙区 with the longest file (一地一档). */
let parcelCode: string
/** A GeoPackage with two tables of parcels: the upload's layer choice, then the report of one. */
let twoLayers: string

beforeAll(async () => {
  dist = await buildMap()
  const env = { ONEMAP_WEB_DIST: dist, ONEMAP_DEMO: 'true', ONEMAP_ADMIN_PASSWORD: ADMIN_PASSWORD }
  t = await createTestApp(env)
  await bootstrap(t.database.db, loadConfig({ ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off', ...env }))
  await t.database.db.one('SELECT analysis.refresh_alerts(luoyang_today()) AS r')
  parcelCode = await t.database.db.one(`SELECT p.code FROM parcel p JOIN event_log e ON e.parcel_id = p.id
    WHERE p.county_code = '410311' GROUP BY p.code ORDER BY count(*) DESC, p.code LIMIT 1`, [], (r) => r.code as string)
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-no-codes-'))
  twoLayers = path.join(dir, '两期.gpkg')
  for (const [name, west] of [['一期', -600], ['二期', 0]] as const) {
    const src = path.join(dir, `${name}.geojson`)
    fs.writeFileSync(src, JSON.stringify({
      type: 'FeatureCollection',
      features: [0, 1].map((i) => ({
        type: 'Feature', properties: { 宗地编号: `GP-${name === '一期' ? 0 : 1}0${i + 1}`, 权利人: '洛阳市华夏精密机械有限公司', 土地用途: '工业用地' },
        geometry: boxPolygon(rect(FIXTURE_CENTRE, west + i * 120, 500, west + 80 + i * 120, 580)),
      })),
    }))
    execFileSync('ogr2ogr', ['-f', 'GPKG', ...(fs.existsSync(twoLayers) ? ['-update'] : []), '-nln', name, '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4547', twoLayers, src])
  }
}, 600_000)
afterAll(async () => {
  await browser?.close()
  await t?.close()
  if (dist) fs.rmSync(dist, { recursive: true, force: true })
  if (twoLayers) fs.rmSync(path.dirname(twoLayers), { recursive: true, force: true })
})

/** Terms a Chinese user reads as they are (units, standards, formats). */
const ALLOWED = new Set(['EPSG', 'CGCS', 'GeoJSON', 'Shapefile', 'shapefile', 'CSV', 'XLSX', 'JSON', 'PNG', 'JPEG', 'zip', 'ZIP', 'prj', 'cpg',
  'dbf', 'shp', 'shx', 'DBF', 'UTF', 'GBK', 'MapLibre', 'OpenStreetMap', 'Natural', 'Earth', 'km', 'mu', 'WGS', 'TXT', 'txt', 'PDF',
  // the extensions of the other formats the upload reads, as a file's name shows them
  'gpkg', 'kml', 'kmz', 'dxf', 'csv', 'xlsx', 'geojson', 'geojsonl', 'geojsons'])

/** What a screen shows that is a code: each hit with the text around it. */
function codesIn(texts: string[]): string[] {
  const hits: string[] = []
  for (const text of texts) {
    const found = [
      ...text.matchAll(/[a-z]+_[a-z_]+/g),
      ...text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi),
      ...text.matchAll(/\d{4}-\d{2}-\d{2}T\d{2}/g),
      // a county code of Luoyang (4103xx) shown for its name
      ...text.matchAll(/(?<![\d.-])4103\d\d(?![\d.-])/g),
      // an English word (a report's data fingerprint, 12 hex digits, is a version stamp, not a word)
      ...[...text.matchAll(/[A-Za-z0-9]*[a-z][A-Za-z0-9]*/g)].filter((m) => /[a-z]{3}/i.test(m[0]) && !/^[0-9a-f]{12,}$/.test(m[0]) && !ALLOWED.has(m[0].replace(/\d+$/, ''))),
    ]
    for (const m of found) hits.push(`"${m[0]}" in "${text.slice(Math.max(0, m.index! - 30), m.index! + m[0].length + 30)}"`)
  }
  return [...new Set(hits)]
}

/** The text of every rendered element, and its title, aria-label and placeholder. */
async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    const shown = (el: Element) => (el as HTMLElement).checkVisibility?.({ checkOpacity: true, checkVisibilityCSS: true }) ?? true
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement
      if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) || !shown(el)) continue
      // text kept as the user wrote it (a rule's match patterns, e.g. %industrial%) is data, not a code
      if (el.closest('[data-verbatim]')) continue
      // a closed <select> shows its selected option only
      if (el.tagName === 'OPTION' && !(el as HTMLOptionElement).selected) continue
      const s = n.textContent!.trim()
      if (s) out.push(s)
    }
    for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder]')) {
      if (!shown(el)) continue
      for (const a of ['title', 'aria-label', 'placeholder']) {
        const v = el.getAttribute(a)
        if (v) out.push(v)
      }
    }
    return out
  })
}

const seen: Record<string, string[]> = {}

async function check(page: Page, screen: string): Promise<void> {
  seen[screen] = codesIn(await visibleTexts(page))
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) })
}

async function open(size: { width: number; height: number }): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: size, locale: 'zh-CN', serviceWorkers: 'block' })
  await watchCsp(context)
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')))
  const page = await context.newPage()
  return { page, close: () => context.close() }
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  const builds = await page.evaluate(() => (window as any).onemap.builds as number)
  await page.fill('#login input[name=username]', username)
  await page.fill('#login input[name=password]', password)
  await page.click('#login button[type=submit]')
  await page.waitForSelector('[data-testid=user]')
  await waitForLayers(page, builds + 1)
}

/** Clicks a button of the sidebar; on a phone the sidebar is a bottom sheet, opened by its handle first. */
async function sidebarClick(page: Page, selector: string): Promise<void> {
  if (await page.isVisible('#sidebar-toggle') && !(await page.locator('#sidebar.open').count())) await page.click('#sidebar-toggle')
  await page.click(selector)
}

const USERS: { role: string; username: string; password: string }[] = [
  { role: 'admin', username: 'admin', password: ADMIN_PASSWORD },
  ...DEMO_USERS.map((u) => ({ role: u.role, username: u.username, password: DEMO_PASSWORD })),
]

const SIZES = [{ name: '1440x900', width: 1440, height: 900 }, { name: '390x844', width: 390, height: 844 }]

describe('no code on any screen', { timeout: BROWSER_TEST_MS * 4 }, () => {
  it('the public: the map and the disclosure page', async () => {
    for (const size of SIZES) {
      const { page, close } = await open(size)
      try {
        await page.goto(origin + '/')
        await waitForLayers(page, 1)
        await check(page, `public map ${size.name}`)
        await shot(page, `public-map-${size.name}`)
        await page.goto(origin + '/disclosure.html')
        await page.waitForFunction(() => !!document.querySelector('#list')?.textContent?.trim())
        await check(page, `public disclosure ${size.name}`)
        await shot(page, `public-disclosure-${size.name}`)
      } finally {
        await close()
      }
    }
  })

  for (const u of USERS) {
    const duty = u.role === 'security' || u.role === 'audit'
    it(`${u.role}: ${duty ? 'the public map and their own screen' : 'the map, search, the card and its file, the inbox, upload, dashboard, reports'}`, async () => {
      for (const size of SIZES) {
        const { page, close } = await open(size)
        const name = `${u.role}-${size.name}`
        try {
          await page.goto(origin + '/')
          await waitForLayers(page, 1)
          await signIn(page, u.username, u.password)
          await waitIdle(page)
          if (duty) {
            // the duty roles see no land data (separated duties): the public map, no parcels, and
            // their own screen (用户管理, 审计记录), whose rows are records kept as they were
            // written (login names, routes, the event's details) and so are not searched for codes
            // (-1: the map has no parcel layer at all for them)
            expect(await renderedCount(page, 'parcels-fill'), `${name}: no parcel layer`).toBe(-1)
            await check(page, `${name} map`)
            await shot(page, `${name}-map`)
            const [button, shown] = u.role === 'security' ? ['#open-users', '#user-admin tr[data-user]'] : ['#open-audit', '#audit-trail .list tbody tr']
            await page.click(button)
            await page.waitForSelector(shown)
            await shot(page, `${name}-${u.role === 'security' ? 'users' : 'audit'}`)
            continue
          }
          if (u.role === 'admin') {
            // city-wide: the city view, below the parcel zoom, says so
            expect(await page.textContent('#zoom-hint')).toMatch(/放大到第 12 级以上显示宗地/)
          } else {
            // a user of 洛龙区 sees the county's parcels without touching the map
            expect(await renderedCount(page, 'parcels-fill'), `${name}: parcels drawn after login`).toBeGreaterThan(0)
            expect(await page.isHidden('#zoom-hint')).toBe(true)
          }
          await check(page, `${name} map`)
          await shot(page, `${name}-map`)

          await page.fill('#search', parcelCode)
          await page.waitForSelector('#search-results li[data-i]')
          await check(page, `${name} search`)
          await page.press('#search', 'Enter')
          await page.waitForSelector('[data-testid=card-code]')
          await page.waitForSelector('#card-panel section h3')
          await check(page, `${name} card`)
          await shot(page, `${name}-card`)
          await page.click('#card-panel .close')

          if (await page.isVisible('#open-inbox')) {
            await page.click('#open-inbox')
            await page.waitForSelector('[data-testid=inbox-list] [data-alert], [data-testid=inbox-list] li.muted:not(:empty)')
            await page.waitForFunction(() => !document.querySelector('[data-testid=inbox-list]')?.textContent?.includes('加载中'))
            await check(page, `${name} inbox`)
            await shot(page, `${name}-inbox`)
            const first = page.locator('[data-testid=inbox-list] [data-alert]').first()
            if (await first.count()) {
              await first.click()
              await page.waitForSelector('[data-testid=alert-title]')
              await page.evaluate(() => { for (const d of document.querySelectorAll('#inbox-panel details')) (d as HTMLDetailsElement).open = true })
              await check(page, `${name} alert`)
              await shot(page, `${name}-alert`)
            }
            await page.click('#inbox-panel .close')
          }

          if (await page.locator('#open-upload:not([hidden])').count()) {
            await sidebarClick(page, '#open-upload')
            await page.waitForSelector('#upload-panel:not([hidden])')
            await check(page, `${name} upload`)
            await shot(page, `${name}-upload`)
            if (u.role === 'analyst') {
              // a file of several layers: the layer table, then the report of the one read
              await page.setInputFiles('#upload-form input[type=file]', twoLayers)
              await page.click('#upload-form button[type=submit]')
              await page.waitForSelector('[data-testid=upload-layers]', { timeout: 30_000 })
              await check(page, `${name} upload layers`)
              await shot(page, `${name}-upload-layers`)
              await page.click('[data-testid=upload-layers] button.use-layer[data-layer="二期"]')
              await page.waitForSelector('[data-testid=upload-report]', { timeout: 30_000 })
              await check(page, `${name} upload report`)
              await shot(page, `${name}-upload-report`)
            }
            await page.click('#upload-panel .close')
          }

          if (await page.locator('#open-dashboard:not([hidden])').count()) {
            await sidebarClick(page, '#open-dashboard')
            await page.waitForSelector('#dashboard-panel:not([hidden])')
            await page.waitForFunction(() => !/载入|加载/.test(document.querySelector('#dashboard-panel')?.textContent ?? '载入'))
            await check(page, `${name} dashboard`)
            await shot(page, `${name}-dashboard`)
          }

          if (u.role === 'admin') {
            // 管理: each tab, the rules unfolded, the publication previewed
            await page.click('#open-admin')
            for (const tab of ['rules', 'enterprises', 'publish', 'jobs']) {
              await page.click(`#admin-panel [data-tab=${tab}]`)
              await page.waitForSelector(`#admin-panel [data-testid=admin-${tab}]`)
              await page.waitForFunction(() => !/正在载入/.test(document.querySelector('#admin-panel .admin-body')?.textContent ?? '正在载入'))
              if (tab === 'rules') await page.evaluate(() => { for (const d of document.querySelectorAll('#admin-panel details')) (d as HTMLDetailsElement).open = true })
              if (tab === 'enterprises') {
                await page.fill('#admin-panel .ent-search input[name=q]', '有限公司')
                await page.click('#admin-panel .ent-search button[type=submit]')
                await page.waitForSelector('#admin-panel .ent-list li:not(:has-text("查找中"))')
              }
              if (tab === 'publish') {
                await page.click('#admin-panel button.preview')
                await page.waitForSelector('[data-testid=publish-preview] ul.counts')
              }
              await check(page, `${name} admin ${tab}`)
              await shot(page, `${name}-admin-${tab}`)
            }
            await page.click('#admin-panel .close')
          }

          if (u.role === 'admin' || u.role === 'analyst') {
            await page.goto(origin + '/report.html')
            await page.waitForFunction(() => (document.querySelector('#stored')?.textContent ?? '').includes('已生成'))
            await check(page, `${name} reports`)
            await shot(page, `${name}-reports`)
            if (size.width > 700) {
              // a quarterly report and a ranking (its formula and the rules it applied, in words)
              // (the half-yearly ranking is city-wide: a county's analyst may not make one)
              for (const [kind, period] of [['quarterly', '2025Q2'], ...(u.role === 'admin' ? [['ranking', '2025H1']] : [])] as const) {
                await page.selectOption('#kind', kind)
                await page.fill('#period', period)
                await page.click('#generate')
                await page.waitForFunction(() => { const r = (window as any).onemapReport; return r.ready || r.error })
                expect(await page.evaluate(() => (window as any).onemapReport.error)).toBeNull()
                await page.evaluate(() => { for (const d of document.querySelectorAll('details')) (d as HTMLDetailsElement).open = true })
                await check(page, `${name} report ${kind}`)
                await shot(page, `${name}-report-${kind}`)
              }
            }
          }
        } finally {
          await close()
        }
      }
    })
  }

  afterAll(() => {
    const failures = Object.entries(seen).filter(([, hits]) => hits.length)
    expect(Object.keys(seen).length).toBeGreaterThan(10)
    expect(failures.map(([screen, hits]) => `${screen}:\n  ${hits.join('\n  ')}`).join('\n')).toBe('')
  })
})
