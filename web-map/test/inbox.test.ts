/** The inspector's inbox in headless Chromium on a phone-sized screen (390 × 844): an inspector of
 * 洛龙区 logs in, opens the inbox, opens the alert (change polygon and parcel drawn, before/after
 * image dates shown), starts the field check, records a finding with a photo, confirms and closes;
 * the parcel's card then shows the start date the finding recorded, and the alert is closed in the
 * database. An analyst of the county then re-assigns a second alert to another inspector, chosen
 * from the inspectors of its county with the alerts each already carries. Screenshots of the inbox
 * and of the finding form go to test-artifacts/. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ARTIFACTS, PASSWORD, openPage, signInAs, startHarness, waitIdle, type MapHarness, withPage } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { FIXTURE_CENTRE, boxPolygon, rect } from '../../server/test/tiles-fixture'
import { hashPassword } from '../../server/auth'

let h: MapHarness

const PHONE = { width: 390, height: 844 }

/** On the phone: the page no wider than the screen, and every visible button, tab and field of the
 * given part inside the screen once scrolled to (as a tap would), and at least 44 px high. */
async function fitsThePhone(page: Page, scope: string, where: string): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${where}: page width`).toBeLessThanOrEqual(PHONE.width)
  const controls = page.locator(`${scope} button:visible, ${scope} input:visible:not([type=hidden]), ${scope} select:visible, ${scope} textarea:visible`)
  const n = await controls.count()
  expect(n, `${where}: controls`).toBeGreaterThan(0)
  for (let i = 0; i < n; i++) {
    const c = controls.nth(i)
    await c.scrollIntoViewIfNeeded()
    const box = (await c.boundingBox())!
    const what = `${where}: ${await c.evaluate((el) => el.outerHTML.slice(0, 90))}`
    expect(box.height, what).toBeGreaterThanOrEqual(44)
    expect(box.x, what).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width, what).toBeLessThanOrEqual(PHONE.width + 0.5)
    expect(box.y, what).toBeGreaterThanOrEqual(0)
    expect(box.y + box.height, what).toBeLessThanOrEqual(PHONE.height + 0.5)
  }
}
let parcelId: number
let alertId: number
const CODE = 'LL-INBOX-1'
/** A 1 × 1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

const PHOTO_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-inbox-photos-'))

beforeAll(async () => {
  h = await startHarness({ ONEMAP_PHOTO_DIR: PHOTO_DIR })
  const db = h.t.database.db
  await db.users.create({ username: 'insp.luolong', display_name: '洛龙巡查员', role: 'inspector', county_scope: ['410311'], password_hash: await hashPassword(PASSWORD) })
  // a parcel supplied in 2023, agreed to start in 2030, and a construction change on it in 2024Q1
  const parcelBox = rect(FIXTURE_CENTRE, 200, 20, 320, 120) // inside the fixture's 洛龙 cluster, clear of its parcels
  parcelId = await db.one(`INSERT INTO parcel (code, county_code, cluster_code, land_use, stage, geom)
    VALUES ($1, '410311', 'luolong', '工业用地', 'supplied', ST_GeomFromGeoJSON($2)) RETURNING id`,
  [CODE, JSON.stringify({ ...boxPolygon(parcelBox), crs: { type: 'name', properties: { name: 'EPSG:4490' } } })], (r) => Number(r.id))
  await db.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, signed_on, agreed_start_on)
    VALUES ('HT-INBOX-1', $1, '410311', 'grant', '2023-06-01', '2030-01-01')`, [parcelId])
  const changeId = await db.one(`INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
    VALUES ('BH-2024Q1-0101', '2024Q1', 'new_construction', '2024-01-05', '2024-03-28', '410311', ST_GeomFromGeoJSON($1)) RETURNING id`,
  [JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, 220, 40, 280, 100)), crs: { type: 'name', properties: { name: 'EPSG:4490' } } })], (r) => Number(r.id))
  const r = await db.one(`SELECT analysis.refresh_alerts('2024-06-30', $1::bigint[]) AS r`, [[changeId]], (x) => x.r)
  expect(r.created).toBe(1)
  alertId = await db.one('SELECT id FROM alert WHERE parcel_id = $1', [parcelId], (x) => Number(x.id))
}, 240_000)
afterAll(async () => {
  await h?.close()
  fs.rmSync(PHOTO_DIR, { recursive: true, force: true })
})

describe('the inbox on a phone', { timeout: BROWSER_TEST_MS }, () => {
  it('an inspector records a finding with a photo and confirms; the card shows the start, the alert is closed', async () => {
    await withPage(h, async (w) => {
      const page = w.page
      await page.setViewportSize(PHONE)
      await page.reload()
      await page.waitForFunction(() => ((window as any).onemap?.builds ?? 0) >= 1)
      // before login: the form on the screen, the page no wider than it
      await fitsThePhone(page, 'header', 'before login')
      await page.screenshot({ path: path.join(ARTIFACTS, 'login-390x844.png') })
      await signInAs(page, 'insp.luolong')
      await fitsThePhone(page, 'header', 'after login')
      const inboxButton = (await page.locator('#open-inbox').boundingBox())!
      expect(inboxButton.y + inboxButton.height).toBeLessThanOrEqual(PHONE.height)
      expect(inboxButton.x + inboxButton.width).toBeLessThanOrEqual(PHONE.width)
      expect(inboxButton.height).toBeGreaterThanOrEqual(44)

      // the inbox: my alerts, one of them, due in 15 days (medium)
      await page.click('#open-inbox')
      await page.waitForSelector(`[data-alert="${alertId}"]`)
      expect(await page.textContent('[data-count=mine]')).toBe('1')
      expect(await page.textContent('[data-count=overdue]')).toBe('0')
      const item = await page.textContent(`[data-alert="${alertId}"]`)
      expect(item).toContain('闲置或未动工宗地新增建设')
      expect(item).toContain(`宗地 ${CODE}`)
      const panel = (await page.locator('#inbox-panel').boundingBox())!
      expect(panel.width).toBeLessThanOrEqual(390) // fits the screen
      await fitsThePhone(page, '#inbox-panel', 'the inbox list')
      await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-390x844.png') })

      // the alert: its dates, the change and the parcel drawn on the map
      await page.click(`[data-alert="${alertId}"]`)
      await page.waitForSelector('[data-testid=image-dates]')
      expect(await page.textContent('[data-testid=image-dates]')).toBe('2024-01-05 → 2024-03-28')
      const drawn = await page.evaluate(async () => (await (window as any).onemap.map.getSource('inbox-focus').getData()).features.map((f: any) => f.properties.role))
      expect(drawn).toEqual(['parcel', 'change'])
      // fitted into the strip of map above the panel: the change polygon's corners project inside it
      const corners = await page.evaluate(async () => {
        const m = (window as any).onemap.map
        const change = (await m.getSource('inbox-focus').getData()).features.find((f: any) => f.properties.role === 'change')
        const mapBox = m.getContainer().getBoundingClientRect()
        const panelTop = document.querySelector('#inbox-panel')!.getBoundingClientRect().top
        return { mapBox: { left: mapBox.left, top: mapBox.top, right: mapBox.right }, panelTop,
          points: change.geometry.coordinates[0][0].map((c: [number, number]) => m.project(c)) }
      })
      for (const p of corners.points) {
        expect(corners.mapBox.left + p.x).toBeGreaterThanOrEqual(corners.mapBox.left)
        expect(corners.mapBox.left + p.x).toBeLessThanOrEqual(corners.mapBox.right)
        expect(corners.mapBox.top + p.y).toBeGreaterThanOrEqual(corners.mapBox.top)
        expect(corners.mapBox.top + p.y).toBeLessThanOrEqual(corners.panelTop)
      }
      await waitIdle(page)
      await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-alert-390x844.png') })
      await fitsThePhone(page, '#inbox-panel', 'the alert')

      await page.click('[data-step=start_field]')
      await page.waitForSelector('[data-testid=finding-form]')
      await page.fill('form.finding textarea[name=notes]', '现场已开挖基坑，两台塔吊作业，企业称 5 月 20 日开工')
      await page.click('form.finding [data-centre]')
      expect(Number(await page.inputValue('form.finding [name=lon]'))).toBeGreaterThan(112)
      await page.fill('form.finding input[name=started_on]', '2024-05-20')
      await page.setInputFiles('form.finding input[name=photo]', { name: '现场.png', mimeType: 'image/png', buffer: PNG })
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('[data-testid=photos] img')
        return !!img && img.complete && img.naturalWidth === 1
      })
      // what was typed survives the photo upload
      expect(await page.inputValue('form.finding textarea[name=notes]')).toContain('塔吊')
      await waitIdle(page)
      await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-finding-390x844.png'), fullPage: false })
      await fitsThePhone(page, '#inbox-panel', 'the finding form')

      await page.click('form.finding button[value=confirm]')
      await page.waitForSelector('[data-step=close]')
      expect(await page.textContent('#inbox-panel table.card')).toContain('已确认')
      await page.click('[data-step=close]')
      await page.waitForFunction(() => document.querySelector('#inbox-panel table.card')?.textContent?.includes('已办结'))
      expect(await page.textContent('#inbox-panel')).toContain('动工 2024-05-20')

      // the parcel's card (一宗一卡) shows the start the finding recorded
      await page.click(`[data-open-parcel="${CODE}"]`)
      await page.waitForSelector('[data-testid=card-code]')
      await page.waitForFunction(() => document.querySelector('#card-panel')?.textContent?.includes('动工 2024-05-20'))
      // the map stays the screen's width above the card's sheet, not squeezed to 0 px
      const mapBox = (await page.locator('#map').boundingBox())!
      expect(mapBox.width).toBeGreaterThanOrEqual(PHONE.width - 1)
      const card = (await page.locator('#card-panel').boundingBox())!
      expect(card.y).toBeGreaterThan(mapBox.y + 100)
      await fitsThePhone(page, '#card-panel', 'the card')
      await page.screenshot({ path: path.join(ARTIFACTS, 'card-390x844.png') })
      expect(await page.textContent('[data-testid=card-code]')).toBe(CODE)

      const db = h.t.database.db
      expect(await db.one('SELECT status, finding ->> \'started_on\' AS started FROM alert WHERE id = $1', [alertId]))
        .toEqual({ status: 'closed', started: '2024-05-20' })
      expect(await db.one(`SELECT count(*)::int AS n FROM development_event WHERE parcel_id = $1 AND kind = 'start' AND occurred_on = '2024-05-20'`, [parcelId], (x) => x.n)).toBe(1)
      expect(await db.one('SELECT count(*)::int AS n FROM alert_photo WHERE alert_id = $1', [alertId], (x) => x.n)).toBe(1)
      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    })
  })
})

describe('the inbox of an analyst', { timeout: BROWSER_TEST_MS }, () => {
  it('re-assigns an alert to another inspector of its county, chosen with the alerts each carries', async () => {
    const db = h.t.database.db
    await db.users.create({ username: 'insp.luolong2', display_name: '洛龙巡查员二', role: 'inspector', county_scope: ['410311'], password_hash: await hashPassword(PASSWORD) })
    await db.users.create({ username: 'analyst.luolong', display_name: '洛龙分析员', role: 'analyst', county_scope: ['410311'], password_hash: await hashPassword(PASSWORD) })
    const box = rect(FIXTURE_CENTRE, 400, 20, 520, 120)
    const parcel = await db.one(`INSERT INTO parcel (code, county_code, cluster_code, land_use, stage, geom)
      VALUES ('LL-INBOX-2', '410311', 'luolong', '工业用地', 'supplied', ST_GeomFromGeoJSON($1)) RETURNING id`,
    [JSON.stringify({ ...boxPolygon(box), crs: { type: 'name', properties: { name: 'EPSG:4490' } } })], (r) => Number(r.id))
    await db.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, signed_on, agreed_start_on)
      VALUES ('HT-INBOX-2', $1, '410311', 'grant', '2023-06-01', '2030-01-01')`, [parcel])
    const change = await db.one(`INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
      VALUES ('BH-2024Q1-0102', '2024Q1', 'new_construction', '2024-01-05', '2024-03-28', '410311', ST_GeomFromGeoJSON($1)) RETURNING id`,
    [JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, 420, 40, 480, 100)), crs: { type: 'name', properties: { name: 'EPSG:4490' } } })], (r) => Number(r.id))
    await db.one(`SELECT analysis.refresh_alerts('2024-06-30', $1::bigint[]) AS r`, [[change]])
    const second = await db.one(`SELECT a.id, u.username FROM alert a LEFT JOIN app_user u ON u.id = a.assignee_id WHERE a.parcel_id = $1`, [parcel])
    // routed to one of the county's inspectors; the analyst moves it to the other
    expect(['insp.luolong', 'insp.luolong2']).toContain(second.username)
    const to = second.username === 'insp.luolong' ? 'insp.luolong2' : 'insp.luolong'
    const toName = to === 'insp.luolong' ? '洛龙巡查员' : '洛龙巡查员二'
    // what each carries, counted here from the alerts table
    const open: Record<string, number> = Object.fromEntries(await db.map(`SELECT u.username, count(a.id)::int AS n FROM app_user u
      LEFT JOIN alert a ON a.assignee_id = u.id AND a.status IN ('assigned', 'in_field') WHERE u.role = 'inspector' GROUP BY u.username`,
    [], (r) => [r.username, r.n]))
    expect(open[second.username]).toBeGreaterThanOrEqual(1)

    await withPage(h, async (w) => {
      const page = w.page
      await signInAs(page, 'analyst.luolong')
      await page.click('#open-inbox')
      // 我的预警 is the alerts assigned to the analyst (none); the county's are under 辖区预警
      await page.waitForFunction(() => document.querySelector('[data-count=mine]')?.textContent === '0')
      await page.click('[data-tab=scope]')
      await page.click(`[data-alert="${second.id}"]`)
      await page.waitForSelector('[data-testid=assign-form] option[value="insp.luolong2"]', { state: 'attached' })
      // the county's inspectors, then the city-wide one of the harness, each with the open alerts they carry
      const options = await page.$$eval('[data-testid=assign-form] option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))
      expect(options).toEqual([['', '选择巡查员'], ['insp.luolong', `洛龙巡查员 · 在办 ${open['insp.luolong']}`],
        ['insp.luolong2', `洛龙巡查员二 · 在办 ${open['insp.luolong2']}`], ['map.inspector', `测试inspector（全市） · 在办 ${open['map.inspector']}`]])
      expect(await page.inputValue('[data-testid=assign-form] select')).toBe(second.username)
      await page.selectOption('[data-testid=assign-form] select', to)
      await page.click('[data-testid=assign-form] button[type=submit]')
      await page.waitForFunction((name) => document.querySelector('#inbox-panel table.card')?.textContent?.includes(`已分派（${name}）`), toName)
      expect(await db.one('SELECT u.username FROM alert a JOIN app_user u ON u.id = a.assignee_id WHERE a.id = $1', [second.id], (r) => r.username))
        .toBe(to)
      // no wait for the map's idle here: the step reloads the alert tiles (hooks.changed), and a tile
      // aborted by that reload can leave the map never idle again (CI timed out once that way)
      await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-assign.png') })
      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    })
  })
})

describe('the inbox of the administrator', { timeout: BROWSER_TEST_MS }, () => {
  it('我的预警 lists the alerts assigned to the admin, 全市预警 every open one; the assign button is disabled, saying why, where no inspector is active', async () => {
    const db = h.t.database.db
    const counted = await db.one(`SELECT count(*) FILTER (WHERE u.username = 'map.admin')::int AS mine, count(*)::int AS open
      FROM alert a LEFT JOIN app_user u ON u.id = a.assignee_id WHERE a.status IN ('new', 'assigned', 'in_field')`)
    expect(counted.open).toBeGreaterThan(0)
    expect(counted.mine).toBe(0)
    // nobody left to assign to in 洛龙区: its inspectors and the city-wide one deactivated
    await db.none(`UPDATE app_user SET active = false WHERE role = 'inspector'`)
    const target = await db.one(`SELECT a.id FROM alert a JOIN parcel p ON p.id = a.parcel_id WHERE p.code = 'LL-INBOX-2'`, [], (r) => Number(r.id))
    const w = await openPage(h)
    try {
      const page = w.page
      await signInAs(page, 'map.admin')
      await page.click('#open-inbox')
      await page.waitForFunction(() => !/…/.test(document.querySelector('[data-count=scope]')?.textContent ?? '…'))
      expect(await page.textContent('[data-count=mine]')).toBe(String(counted.mine))
      expect(await page.textContent('[data-tab=scope]')).toContain('全市预警')
      expect(await page.textContent('[data-count=scope]')).toBe(String(counted.open))
      expect(await page.locator('[data-testid=inbox-list] [data-alert]').count()).toBe(counted.mine)
      await page.click('[data-tab=scope]')
      await page.waitForSelector(`[data-alert="${target}"]`)
      expect(await page.locator('[data-testid=inbox-list] [data-alert]').count()).toBe(counted.open)
      await page.click(`[data-alert="${target}"]`)
      await page.waitForSelector('[data-testid=assign-reason]')
      expect(await page.isDisabled('[data-testid=assign-form] button[type=submit]')).toBe(true)
      expect(await page.textContent('[data-testid=assign-reason]')).toContain('没有在岗巡查员')
      await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-admin-no-inspector.png') })
      expect(w.consoleErrors).toEqual([])
    } finally {
      await w.context.close()
      await db.none(`UPDATE app_user SET active = true WHERE role = 'inspector'`)
    }
  })
})
