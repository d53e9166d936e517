/** The map in headless Chromium: it loads with no console error and no request leaving the
 * machine, every layer renders features, a parcel's card opens with its code and area, search
 * flies to a parcel, the measure tool and the Gauss-Kruger read-out agree with computations made
 * here, and a surveyor sees no tax figure anywhere in the page. Screenshots go to test-artifacts/. */
import path from 'node:path'
import proj4 from 'proj4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ARTIFACTS, clickLngLat, jumpTo, loginAs, renderedCount, renderedProps, startHarness, waitIdle,
  type MapHarness, withPage } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { FIXTURE_CENTRE } from '../../server/test/tiles-fixture'

let h: MapHarness

beforeAll(async () => {
  h = await startHarness()
  // the analysis engine's first full recompute fills the unsupplied remainders and classifications
  await h.t.database.db.one('SELECT analysis.refresh_all() AS r')
}, 180_000)
afterAll(async () => h?.close())

const centreOf = (box: [number, number, number, number]): [number, number] => [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]

describe('the map for the public', { timeout: BROWSER_TEST_MS }, () => {
  it('loads with no console errors and no outside requests, and draws clusters and plan zones', async () => {
    await withPage(h, async (w) => {
      await jumpTo(w.page, FIXTURE_CENTRE, 14)
      expect(await renderedCount(w.page, 'clusters-fill')).toBeGreaterThan(0)
      expect(await renderedCount(w.page, 'plan_zones-fill')).toBeGreaterThan(0)
      // the land itself needs a login: its layers are not even added
      expect(await renderedCount(w.page, 'parcels-fill')).toBe(-1)
      expect(await w.page.locator('#overview button[data-cluster]').count()).toBe(19) // 全市 + 18
      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    })
  })
})

describe('the map for an administrator', { timeout: BROWSER_TEST_MS }, () => {
  it('renders features of every layer, opens a parcel card with its code and area, and stays on this machine', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'admin')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      for (const layer of ['clusters-fill', 'plan_zones-fill', 'parcels-fill', 'batches-line', 'unsupplied-fill', 'changes-fill', 'alerts-circle']) {
        expect(await renderedCount(w.page, layer), layer).toBeGreaterThan(0)
      }
      const codes = (await renderedProps(w.page, 'parcels-fill')).map((p) => p.code)
      expect(codes).toContain('LL-001')
      // labels once per feature: one label point per parcel whatever the tiles cut it into, inside
      // it; one per cluster
      const labels = await w.page.evaluate(async () => {
        const m = (window as any).onemap.map
        const pieces = m.querySourceFeatures('parcels', { sourceLayer: 'parcels' }).map((f: any) => f.properties.code as string)
        const points = (await m.getSource('parcel-labels').getData()).features.map((f: any) => f.properties.code as string)
        const clusters = (await m.getSource('cluster-labels').getData()).features.map((f: any) => f.properties.code as string)
        return { pieces, points, clusters }
      })
      expect(labels.points.length).toBe(new Set(labels.points).size)
      expect([...labels.points].sort()).toEqual([...new Set(labels.pieces)].sort())
      expect(labels.pieces.length).toBeGreaterThan(new Set(labels.pieces).size) // some parcels are cut by tile edges here
      expect(labels.clusters.length).toBe(new Set(labels.clusters).size)
      expect(labels.clusters.length).toBeGreaterThanOrEqual(18)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'map.png') })

      // LL-006: 100 m × 80 m laid out on the ellipsoid = 8000 m² = 12 亩 (1 亩 = 10000/15 m²)
      const parcel = h.fx.parcels.find((p) => p.code === 'LL-006')!
      await clickLngLat(w.page, centreOf(parcel.box))
      await w.page.waitForSelector('[data-testid=card-code]')
      expect(await w.page.textContent('[data-testid=card-code]')).toBe('LL-006')
      expect(await w.page.textContent('[data-testid=card-area]')).toBe('12.00 亩')
      await expect.poll(() => w.page.locator('ol.timeline li').count()).toBeGreaterThan(0)
      expect(await w.page.locator('#card-panel').textContent()).toContain('登记入库')
      // selected on the map through feature-state
      const selected = await w.page.evaluate((id) => (window as any).onemap.map.getFeatureState({ source: 'parcels', sourceLayer: 'parcels', id }), h.fx.ids['LL-006'])
      expect(selected.selected).toBe(true)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'card.png') })

      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    })
  })

  it('finds a parcel by enterprise name and flies to it', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await jumpTo(w.page, [112.0, 34.2], 10)
      await w.page.fill('#search', '示范装备')
      await w.page.waitForSelector('#search-results li[data-i]')
      expect(await w.page.textContent('#search-results')).toContain(h.fx.enterprise.parcel)
      await w.page.press('#search', 'Enter')
      await w.page.waitForSelector('[data-testid=card-code]')
      expect(await w.page.textContent('[data-testid=card-code]')).toBe(h.fx.enterprise.parcel)
      await waitIdle(w.page)
      const center = await w.page.evaluate(() => (window as any).onemap.map.getCenter().toArray()) as [number, number]
      const [lon, lat] = centreOf(h.fx.parcels.find((p) => p.code === h.fx.enterprise.parcel)!.box)
      expect(Math.abs(center[0] - lon)).toBeLessThan(0.002)
      expect(Math.abs(center[1] - lat)).toBeLessThan(0.002)
      expect(w.consoleErrors).toEqual([])
    })
  })

  it('filters parcels by county and zooms to a cluster from the overview', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'admin')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      await w.page.selectOption('#filter-county', '410305')
      await waitIdle(w.page)
      const counties = new Set((await renderedProps(w.page, 'parcels-fill')).map((p) => p.county_code))
      expect([...counties]).toEqual(['410305'])
      await w.page.click('#overview button[data-cluster="shihua"]')
      await w.page.waitForFunction(() => !(window as any).onemap.map.isMoving())
      await waitIdle(w.page)
      const names = (await renderedProps(w.page, 'clusters-fill')).map((p) => p.short_name)
      expect(names).toContain('石化')
      const center = await w.page.evaluate(() => (window as any).onemap.map.getCenter().toArray()) as [number, number]
      // 石化's centre in fixtures/luoyang-clusters.json (inside 孟津区's outline)
      expect(Math.abs(center[0] - 112.581)).toBeLessThan(0.01)
      expect(Math.abs(center[1] - 34.893)).toBeLessThan(0.01)
    })
  })

  it('measures lengths and areas, and reads coordinates in CGCS2000 Gauss-Kruger zone 37', async () => {
    await withPage(h, async (w) => {
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      const box = h.fx.parcels.find((p) => p.code === 'LL-001')!.box
      await w.page.click('#measure-area')
      await clickLngLat(w.page, [box[0], box[1]])
      await clickLngLat(w.page, [box[2], box[1]])
      await clickLngLat(w.page, [box[2], box[3]])
      await clickLngLat(w.page, [box[0], box[3]])
      const text = await w.page.textContent('[data-testid=measure-output]')
      const m = /面积 ([\d,.]+) m²，合 ([\d,.]+) 亩/.exec(text ?? '')!
      expect(m, text ?? '').toBeTruthy()
      // clicks land on whole pixels (~1.6 m at zoom 15 here): 8000 m² ± 2%, i.e. 12 ± 0.25 亩
      expect(Number(m[1]!.replace(/,/g, ''))).toBeGreaterThan(7840)
      expect(Number(m[1]!.replace(/,/g, ''))).toBeLessThan(8160)
      expect(Math.abs(Number(m[2]) - 12)).toBeLessThan(0.25)
      // the area is written on the map too, beside the last point
      expect(await w.page.textContent('[data-testid=measure-tag]')).toBe(text)

      await w.page.click('#measure-length')
      await clickLngLat(w.page, [box[0], box[1]])
      await clickLngLat(w.page, [box[2], box[1]])
      // one unit below a kilometre ("长度 100.00 m", not "100.00 m（100.00 m）"), and the same words on the map
      const lengthText = (await w.page.textContent('[data-testid=measure-output]')) ?? ''
      const len = /^长度 ([\d,.]+) m$/.exec(lengthText)!
      expect(len, lengthText).toBeTruthy()
      expect(await w.page.textContent('[data-testid=measure-tag]')).toBe(lengthText)
      expect(Math.abs(Number(len[1]!.replace(/,/g, '')) - 100)).toBeLessThan(3)
      await w.page.click('#measure-clear')

      // the read-out under the cursor against proj4 with EPSG:4525's own definition
      const point = await w.page.evaluate((ll) => (window as any).onemap.map.project(ll), FIXTURE_CENTRE) as { x: number; y: number }
      const mapBox = (await w.page.locator('#map').boundingBox())!
      await w.page.mouse.move(mapBox.x + point.x, mapBox.y + point.y)
      const readout = (await w.page.textContent('#coords'))!
      const [lon, lat] = /([\d.]+)°E ([\d.]+)°N/.exec(readout)!.slice(1).map(Number) as [number, number]
      const epsg4525 = '+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=37500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
      const [easting, northing] = proj4('EPSG:4326', epsg4525, [lon, lat])
      expect(readout).toContain('第37带')
      expect(readout).toContain('EPSG:4525')
      const [x, y] = /X ([\d.]+) m\s+Y ([\d.]+) m/.exec(readout)!.slice(1).map(Number) as [number, number]
      // the read-out's lon/lat are printed to 1e-6° (≤ 0.06 m): compare to 0.15 m
      expect(Math.abs(x - northing!)).toBeLessThan(0.15)
      expect(Math.abs(y - easting!)).toBeLessThan(0.15)
      expect(easting!).toBeGreaterThan(37_000_000)

      // fixed to zone 38 (the bureau's data zone, say): the same point read in zone 38, its own zone named beside
      await w.page.selectOption('#gk-zone', '38')
      await w.page.mouse.move(mapBox.x + point.x + 1, mapBox.y + point.y)
      await w.page.mouse.move(mapBox.x + point.x, mapBox.y + point.y)
      const fixed = (await w.page.textContent('#coords'))!
      expect(fixed).toContain('第38带（固定）')
      expect(fixed).toContain('EPSG:4526')
      expect(fixed).toContain('（指针位于第37带）')
      const epsg4526 = '+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=38500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
      const [e38, n38] = proj4('EPSG:4326', epsg4526, [lon, lat])
      const [x38, y38] = /X ([\d.]+) m\s+Y ([\d.]+) m/.exec(fixed)!.slice(1).map(Number) as [number, number]
      expect(Math.abs(x38 - n38!)).toBeLessThan(0.15)
      expect(Math.abs(y38 - e38!)).toBeLessThan(0.15)
      // the pointer leaves the map: the read-out goes with it
      await w.page.mouse.move(mapBox.x - 50, mapBox.y + 10) // over the sidebar
      expect(await w.page.textContent('#coords')).not.toMatch(/X [\d.]+ m/)
    })
  })
})

describe('editing a parcel on its card', { timeout: BROWSER_TEST_MS }, () => {
  it('says so when someone else edited first, reloads, and then saves into the file', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      await clickLngLat(w.page, centreOf(h.fx.parcels.find((p) => p.code === 'LL-007')!.box))
      await w.page.waitForSelector('#edit-form')

      // a colleague saves an edit of LL-007 while the card is open
      const other = await h.t.loginAs('admin', null, 'colleague')
      const card = await h.t.app.inject({ url: '/api/parcels/LL-007', headers: other })
      const saved = await h.t.app.inject({
        method: 'PATCH', url: '/api/parcels/LL-007', headers: { ...other, 'if-match': card.headers.etag as string },
        payload: { land_use: '仓储用地', note: '同事先行修改' },
      })
      expect(saved.statusCode).toBe(200)

      await w.page.fill('#edit-form input[name=land_use]', '工业用地（二类）')
      await w.page.fill('#edit-form input[name=note]', '核实用途')
      await w.page.click('#edit-form button[type=submit]')
      await w.page.waitForSelector('#reload-card')
      expect(await w.page.textContent('#edit-error')).toMatch(/已被他人修改/)

      await w.page.click('#reload-card')
      await expect.poll(() => w.page.inputValue('#edit-form input[name=land_use]')).toBe('仓储用地')
      await w.page.fill('#edit-form input[name=land_use]', '工业用地（二类）')
      await w.page.fill('#edit-form input[name=note]', '核实用途')
      await w.page.click('#edit-form button[type=submit]')
      await expect.poll(() => w.page.locator('#card-panel').textContent(), { timeout: 10_000 }).toContain('工业用地（二类）')
      const timeline = (await w.page.locator('ol.timeline').textContent())!
      expect(timeline).toContain('属性变更')
      expect(timeline).toContain('核实用途')
      expect(w.consoleErrors.filter((e) => !/409/.test(e))).toEqual([])
    })
  })
})

describe('a surveyor', { timeout: BROWSER_TEST_MS }, () => {
  it('sees no tax figure anywhere in the page, in the tiles or in what the server sent', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'surveyor')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      const parcel = h.fx.parcels.find((p) => p.code === h.fx.enterprise.parcel)!
      await clickLngLat(w.page, centreOf(parcel.box))
      await w.page.waitForSelector('[data-testid=card-code]')
      await expect.poll(() => w.page.locator('ol.timeline li').count()).toBeGreaterThan(0)
      const text = (await w.page.locator('body').innerText())
      expect(text).toContain(h.fx.enterprise.name)
      expect(text).not.toMatch(/税/)
      expect(text).not.toContain(String(h.fx.enterprise.tax_wan))
      expect(text).not.toMatch(/价款/)
      for (const p of await renderedProps(w.page, 'parcels-fill')) {
        expect(Object.keys(p).filter((k) => /tax|price|output/.test(k))).toEqual([])
      }
      // enterprise tax and land price never reach a surveyor's browser (the clusters' published
      // targets of §一(二)3 may, but the page does not show them)
      expect(w.responses.length).toBeGreaterThan(5)
      for (const r of w.responses) {
        expect(r.body.toString('utf8'), r.url).not.toMatch(/tax_paid_wan|tax_refund_wan|tax_wan|price_wan|output_wan/)
      }
      // uploads are for analysts and administrators (config.access of /api/uploads)
      expect(await w.page.locator('#open-upload').isVisible()).toBe(false)
      expect(w.consoleErrors).toEqual([])
    }, { keepBodies: true })
  })

  it('an inspector may not edit a parcel or upload, and sees no edit form', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'inspector')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      await clickLngLat(w.page, centreOf(h.fx.parcels.find((p) => p.code === 'LL-003')!.box))
      await w.page.waitForSelector('[data-testid=card-code]')
      expect(await w.page.locator('#edit-form').count()).toBe(0)
      expect(await w.page.locator('#open-upload').isVisible()).toBe(false)
    })
  })
})
