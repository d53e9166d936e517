/** The legend and the tools as controls on the map (src/map-controls.ts), at 1400×900 and on a
 * phone (390×844): the legend sits on the map and opens and closes; the toolbar's buttons are on
 * the map above the fold, not in the sidebar; a measure's result is drawn on the map; one panel is
 * open at a time; on a phone nothing is wider than the screen and every control is at least 44 px
 * high. Screenshots go to test-artifacts/. */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { FIXTURE_CENTRE } from '../../server/test/tiles-fixture'
import { ARTIFACTS, jumpTo, loginAs, startHarness, waitForLayers, type MapHarness, withPage } from './harness'

let h: MapHarness

beforeAll(async () => {
  h = await startHarness()
  await h.t.database.db.one('SELECT analysis.refresh_all() AS r')
}, 180_000)
afterAll(async () => h?.close())

type Box = { x: number; y: number; width: number; height: number }
const box = async (page: Page, selector: string): Promise<Box> => {
  const b = await page.locator(selector).boundingBox()
  expect(b, selector).not.toBeNull()
  return b!
}
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5

const TOOL_BUTTONS = ['#measure-length', '#measure-area', '#measure-clear', '#open-upload', '#open-dashboard']

describe('the legend and the toolbar on the map at 1400×900', { timeout: BROWSER_TEST_MS }, () => {
  it('has the legend on the map, collapsible, and the tools above the fold on the map, none in the sidebar', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      const map = await box(w.page, '#map')
      // both controls are in the map's control corners, not in the sidebar
      expect(await w.page.locator('#map .maplibregl-ctrl-top-right [data-testid=legend-control] #legend').count()).toBe(1)
      expect(await w.page.locator('#map .maplibregl-ctrl-top-left [data-testid=toolbar] #tools').count()).toBe(1)
      expect(await w.page.locator('#sidebar #legend, #sidebar #tools').count()).toBe(0)
      // the legend is open on a desktop, lists the layers with their swatches, and folds away
      expect(await w.page.isVisible('#legend .layer-group')).toBe(true)
      expect(inside(await box(w.page, '[data-testid=legend-control]'), map)).toBe(true)
      await w.page.click('[data-testid=legend-toggle]')
      expect(await w.page.isVisible('#legend')).toBe(false)
      expect(await w.page.getAttribute('[data-testid=legend-toggle]', 'aria-expanded')).toBe('false')
      await w.page.click('[data-testid=legend-toggle]')
      expect(await w.page.isVisible('#legend .layer-group')).toBe(true)
      // every tool the analyst has is on the map, above the fold
      for (const id of TOOL_BUTTONS) {
        expect(await w.page.isVisible(id), id).toBe(true)
        expect(inside(await box(w.page, id), map), id).toBe(true)
      }
      // a layer toggled in the legend on the map hides the layer
      await w.page.uncheck('#legend input[data-toggle=clusters]')
      expect(await w.page.evaluate(() => (window as any).onemap.map.getLayoutProperty('clusters-fill', 'visibility'))).toBe('none')
      await w.page.check('#legend input[data-toggle=clusters]')
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'map-controls-1400x900.png') })
      expect(w.consoleErrors).toEqual([])
    })
  })

  it('draws the measure result on the map, and keeps one panel open at a time', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      const map = await box(w.page, '#map')
      await w.page.click('#measure-area')
      const c = { x: map.x + map.width / 2, y: map.y + map.height / 2 }
      await w.page.mouse.click(c.x, c.y)
      await w.page.mouse.click(c.x + 120, c.y)
      await w.page.mouse.dblclick(c.x + 120, c.y + 90)
      const tag = await box(w.page, '[data-testid=measure-tag]')
      expect(inside(tag, map)).toBe(true)
      expect(await w.page.textContent('[data-testid=measure-tag]')).toMatch(/^面积 [\d,.]+ m²，合 [\d,.]+ 亩$/)
      // the toolbar's read-out says the same, under the buttons on the map
      expect(await w.page.textContent('[data-testid=measure-output]')).toBe(await w.page.textContent('[data-testid=measure-tag]'))
      expect(inside(await box(w.page, '[data-testid=measure-output]'), map)).toBe(true)
      await w.page.click('#measure-clear')
      expect(await w.page.locator('[data-testid=measure-tag]').count()).toBe(0)
      // one panel at a time: the dashboard closes the upload panel
      await w.page.click('#open-upload')
      expect(await w.page.isVisible('#upload-panel')).toBe(true)
      await w.page.click('#open-dashboard')
      expect(await w.page.isVisible('#dashboard-panel')).toBe(true)
      expect(await w.page.isVisible('#upload-panel')).toBe(false)
      expect(w.consoleErrors).toEqual([])
    })
  })
})

describe('the legend and the toolbar on a phone (390×844)', { timeout: BROWSER_TEST_MS }, () => {
  it('start with the legend closed, fit the screen, and have 44 px targets', async () => {
    await withPage(h, async (w) => {
      await w.page.setViewportSize({ width: 390, height: 844 })
      await w.page.reload()
      await waitForLayers(w.page, 1)
      await loginAs(w.page, 'analyst')
      expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      expect(await w.page.isVisible('#legend')).toBe(false)
      const screen = { x: 0, y: 0, width: 390, height: 844 }
      for (const id of ['[data-testid=legend-toggle]', ...TOOL_BUTTONS]) {
        const b = await box(w.page, id)
        expect(inside(b, screen), id).toBe(true)
        expect(b.height, id).toBeGreaterThanOrEqual(44)
        expect(b.width, id).toBeGreaterThanOrEqual(44)
      }
      await w.page.click('[data-testid=legend-toggle]')
      expect(await w.page.isVisible('#legend .layer-group')).toBe(true)
      expect(inside(await box(w.page, '[data-testid=legend-control]'), screen)).toBe(true)
      expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'map-controls-390x844.png') })
      await w.page.click('[data-testid=legend-toggle]')
      expect(await w.page.isVisible('#legend')).toBe(false)
      expect(w.consoleErrors).toEqual([])
    })
  })
})
