/** The per-mu dashboard in headless Chromium on the demo data, its story run up to today as the
 * server loads it (the default year is the latest with figures: last year): the 18 clusters' tax per mu against
 * their targets (each bar's value, colour and target tick as the API gives them, as many above and
 * below as the API says), the trend, the rating distribution, the standard-land checks due, the
 * parcels coloured by tax per mu through feature-state; a surveyor gets the aggregates but no
 * rating, no colouring and no call for enterprise figures. The panel says what it covers (全市 or
 * the user's county, the year), its bar chart is readable (30 px a bar) with each value at the end
 * of its own bar, "已发布" counts the stored evaluation; at 390×844 it fits the screen. No console error, no request off this
 * machine. The charts are ECharts: what they show is read from each chart's option through the
 * page's `window.__onemapCharts` handle, and their SVG is checked to carry the labels.
 * Screenshots go to test-artifacts/. */
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Page } from 'playwright-core'
import { createTestApp } from '../../server/test/app'
import { hashPassword } from '../../server/auth'
import type { Role } from '../../server/config'
import { beijingToday, generateDemo } from '../../scripts/demo/generate'
import { loadDemo } from '../../scripts/demo/load'
import { ARTIFACTS, buildMap, CHROMIUM_ARGS, jumpTo, loginAs, openPage, PASSWORD, signInAs, waitForLayers, waitIdle, type MapHarness, withPage } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { jobResult } from '../../server/test/jobs'

let h: MapHarness
/** the demo as the server loads it, up to today; its figures end with last year */
const TODAY = beijingToday()
const LAST = Number(TODAY.slice(0, 4)) - 1

beforeAll(async () => {
  const dist = await buildMap()
  const t = await createTestApp({ ONEMAP_WEB_DIST: dist })
  await loadDemo(t.database.db, generateDemo({ today: TODAY }))
  await t.database.db.users.create({ username: 'map.analyst.luolong', display_name: '洛龙区分析员', role: 'analyst', county_scope: ['410311'], password_hash: await hashPassword(PASSWORD) })
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

interface ApiCluster { code: string; name: string; short_name?: string; tax_per_mu: number | null; target: number; above_target: boolean | null }

/** What the API says of the latest year with figures, for a role. */
async function expected(role: Role) {
  const { authorization } = await h.t.loginAs(role, null, `api.${role}`)
  const s = (await h.t.app.inject({ url: `/api/permu/summary?year=${LAST}&from=${LAST - 2}&asOf=${TODAY}`, headers: { authorization } })).json()
  const clusters = s.clusters as ApiCluster[]
  return {
    clusters,
    city: s.city as { trend: { year: number; tax_per_mu: number | null }[] },
    cityTarget: s.city_target as number,
    above: clusters.filter((c) => c.above_target).length,
    below: clusters.filter((c) => c.above_target === false).length,
    authorization,
  }
}

/** The bar chart can be read: at least 30 px a bar, each value written at the end of its own bar
 * (the bar series' labels, one per bar with a value), none beside the target ticks, and the values
 * drawn in the SVG as the API's, to one decimal. */
async function expectReadableBars(page: Page, want: Awaited<ReturnType<typeof expected>>) {
  const o = await page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('[data-testid=permu-bars]')!
    const opt = (window as any).__onemapCharts.byDom(el).getOption()
    return {
      height: el.getBoundingClientRect().height,
      barLabels: opt.series[0].data.map((d: any) => [d.id, d.label?.show ?? false]),
      barPosition: opt.series[0].label?.position,
      targetLabel: opt.series[1].label?.show ?? false,
      targetLabels: opt.series[1].data.filter((d: any) => d.label?.show).length,
    }
  })
  expect(o.height).toBeGreaterThanOrEqual(want.clusters.length * 30)
  expect(o.barPosition).toBe('right')
  expect(o.targetLabel).toBe(false)
  expect(o.targetLabels).toBe(0)
  for (const [id, show] of o.barLabels as [string, boolean][]) {
    expect(show, id).toBe(want.clusters.find((c) => c.code === id)!.tax_per_mu !== null)
  }
  const svg = (await shown(page, 'permu-bars'))!.svgText
  const one = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  for (const c of want.clusters) if (c.tax_per_mu !== null) expect(svg, c.code).toContain(one.format(c.tax_per_mu))
}

/** The colours the legend under the bars names: 绿色 at or above the target, 红色 below. */
const GREEN = '#2e7d32'
const RED = '#c62828'

interface ShownSeries {
  type: string
  name: string
  data: { id?: string; name?: string; value: number | null; colour?: string }[]
  targets: number[]
}

/** What the ECharts chart in [data-testid=<testid>] shows, from its option (null: no chart there). */
async function shown(page: Page, testid: string): Promise<{ series: ShownSeries[]; categories: string[]; svgText: string } | null> {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid=${id}]`)
    const chart = (window as any).__onemapCharts?.byDom(el)
    if (!chart) return null
    const o = chart.getOption()
    const axis = (o.yAxis?.[0]?.type === 'category' ? o.yAxis[0] : o.xAxis?.[0]) ?? {}
    return {
      series: o.series.map((s: any) => ({
        type: s.type,
        name: s.name,
        data: s.data.map((d: any) => (d !== null && typeof d === 'object'
          ? { id: d.id, name: d.name, value: d.value ?? null, colour: d.itemStyle?.color }
          : { value: d ?? null })),
        targets: (s.markLine?.data ?? []).map((m: any) => m.yAxis),
      })),
      categories: axis.data ?? [],
      svgText: el!.querySelector('svg')?.textContent ?? '',
    }
  }, testid)
}

/** The bars chart agrees with the API cluster by cluster: value, colour by attainment, target tick. */
function expectBarsAsApi(bars: NonNullable<Awaited<ReturnType<typeof shown>>>, want: Awaited<ReturnType<typeof expected>>) {
  const [values, targets] = bars.series
  expect(values!.type).toBe('bar')
  expect(values!.data).toHaveLength(18)
  expect(values!.data.map((d) => d.id).sort()).toEqual(want.clusters.map((c) => c.code).sort())
  for (const c of want.clusters) {
    const i = values!.data.findIndex((d) => d.id === c.code)
    const bar = values!.data[i]!
    if (c.tax_per_mu === null) expect(bar.value).toBeNull()
    else expect(bar.value).toBeCloseTo(c.tax_per_mu, 6)
    if (c.above_target === null) expect([GREEN, RED]).not.toContain(bar.colour)
    else expect(bar.colour).toBe(c.above_target ? GREEN : RED)
    expect(targets!.data[i]!.value).toBeCloseTo(c.target, 6)
    expect(bars.categories[i]).toBe(c.short_name ?? c.name)
    // drawn, not only configured: the SVG carries every cluster's label
    expect(bars.svgText).toContain(c.short_name ?? c.name)
  }
  expect(values!.data.filter((d) => d.colour === GREEN)).toHaveLength(want.above)
  expect(values!.data.filter((d) => d.colour === RED)).toHaveLength(want.below)
  expect(targets!.data).toHaveLength(18)
}

describe('the per-mu dashboard', { timeout: BROWSER_TEST_MS }, () => {
  it('shows an analyst every cluster against its target, the trend, the ratings and the checks due, and colours the parcels', async () => {
    const want = await expected('analyst')
    expect(want.above).toBeGreaterThan(0)
    expect(want.below).toBeGreaterThan(0)
    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await w.page.click('#open-dashboard')
      await w.page.waitForSelector('[data-testid=permu-bars] svg')
      expect(await w.page.inputValue('[data-testid=permu-year]')).toBe(String(LAST))
      // what it covers: the city, the year, the clusters
      expect(await w.page.textContent('[data-testid=permu-scope]')).toBe(`范围：全市 · ${LAST}年 · 18 个集聚区`)
      expect(await w.page.textContent('#dashboard-panel section h3')).toBe(`全市各集聚区亩均税收与目标（${LAST}年，万元/亩）`)
      await expectReadableBars(w.page, want)
      const bars = (await shown(w.page, 'permu-bars'))!
      expectBarsAsApi(bars, want)
      expect(await w.page.textContent('[data-testid=permu-above]')).toBe(String(want.above))
      expect(await w.page.textContent('[data-testid=permu-below]')).toBe(String(want.below))

      // the rating distribution is what the API rates for last year, grade by grade
      await w.page.waitForSelector('[data-testid=rating-bars] svg')
      const rated = (await shown(w.page, 'rating-bars'))!
      const ratings = (await h.t.app.inject({ url: `/api/permu/ratings?year=${LAST}`, headers: { authorization: want.authorization } })).json()
      expect(rated.series[0]!.data.map((d) => d.name)).toEqual(['A 类', 'B 类', 'C 类', 'D 类'])
      expect(rated.series[0]!.data.map((d) => d.value)).toEqual(['A', 'B', 'C', 'D'].map((g) => ratings.counts[g]))
      for (const g of ['A', 'B', 'C', 'D']) expect(rated.svgText).toContain(`${g} 类`)
      // nothing stored yet: the live grades are not called published
      const total = Object.values(ratings.counts as Record<string, number>).reduce((a, b) => a + b, 0)
      expect(await w.page.textContent('[data-testid=rating-published]')).toBe(`按县区评价规则计算；${LAST}年度评价尚未发布（共评 ${total} 家）。`)
      expect(await w.page.locator('[data-testid=due-table] tbody tr').count()).toBeGreaterThan(0)
      expect(await w.page.locator('[data-testid=kpi-table] tbody tr').count()).toBe(19)

      // the city's trend against its target, then a cluster's beside it after a click on its bar
      const before = (await shown(w.page, 'permu-trend'))!
      expect(before.series.map((x) => x.name)).toEqual(['全市'])
      const shihua = want.clusters.find((c) => c.code === 'shihua')!
      const at = await w.page.evaluate(([label, value]) => {
        const chart = (window as any).__onemapCharts.byDom(document.querySelector('[data-testid=permu-bars]'))
        return chart.convertToPixel({ seriesIndex: 0 }, [value, label]) as [number, number]
      }, [shihua.short_name ?? shihua.name, (shihua.tax_per_mu ?? 0) / 2] as const)
      await w.page.locator('[data-testid=permu-bars]').click({ position: { x: at[0], y: at[1] } })
      await w.page.waitForFunction(() => (window as any).__onemapCharts.byDom(document.querySelector('[data-testid=permu-trend]'))
        ?.getOption().series.some((s: any) => s.name === '石化'))
      const trend = (await shown(w.page, 'permu-trend'))!
      const years = want.city.trend.filter((y) => y.tax_per_mu !== null)
      expect(trend.categories).toEqual(years.map((y) => String(y.year)))
      const cityLine = trend.series.find((x) => x.name === '全市')!
      expect(cityLine.data.filter((d) => d.value !== null)).toHaveLength(3)
      cityLine.data.forEach((d, i) => expect(d.value).toBeCloseTo(years[i]!.tax_per_mu!, 6))
      expect(cityLine.targets).toEqual([want.cityTarget])
      const clusterLine = trend.series.find((x) => x.name === '石化')!
      expect(clusterLine.data.filter((d) => d.value !== null).length).toBeGreaterThan(0)
      expect(clusterLine.data.at(-1)!.value).toBeCloseTo(shihua.tax_per_mu!, 6)
      expect(clusterLine.targets).toEqual([shihua.target])
      expect(trend.svgText).toContain('石化')
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png') })
      await w.page.locator('[data-testid=rating-bars]').screenshot({ path: path.join(ARTIFACTS, 'dashboard-ratings.png') })
      // a second click on the same bar takes the cluster's line away again
      await w.page.locator('[data-testid=permu-bars]').click({ position: { x: at[0], y: at[1] } })
      await w.page.waitForFunction(() => (window as any).__onemapCharts.byDom(document.querySelector('[data-testid=permu-trend]'))
        ?.getOption().series.length === 1)
      expect((await shown(w.page, 'permu-trend'))!.series.map((x) => x.name)).toEqual(['全市'])

      // parcels coloured by their attainment of the target (feature-state, no tax in the tiles)
      await w.page.check('[data-testid=permu-colour]')
      await w.page.waitForFunction(() => JSON.stringify((window as any).onemap.map.getPaintProperty('parcels-fill', 'fill-color')).includes('permu'))
      const parcels = (await h.t.app.inject({ url: `/api/permu/parcels?year=${LAST}`, headers: { authorization: want.authorization } })).json()
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
    })
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
      expectBarsAsApi((await shown(w.page, 'permu-bars'))!, want)
      expect(await w.page.locator('[data-testid=rating-bars]').count()).toBe(0)
      expect(await w.page.locator('#dashboard-panel [_echarts_instance_]').count()).toBe(2)
      expect(await w.page.locator('[data-testid=permu-colour]').count()).toBe(0)
      expect(asked.filter((u) => /\/api\/permu\/(parcels|ratings|enterprises)/.test(u))).toEqual([])
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-surveyor.png') })
      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    } finally {
      await w.context.close()
    }
  })
  it('says a county user\'s dashboard covers their county, and counts what was published once it is', async () => {
    const { authorization } = await h.t.loginAs('analyst', ['410311'], 'api.analyst.luolong')
    const own = (await h.t.app.inject({ url: `/api/permu/summary?year=${LAST}&from=${LAST - 2}&asOf=${TODAY}`, headers: { authorization } })).json()
    await withPage(h, async (w) => {
      await signInAs(w.page, 'map.analyst.luolong')
      await w.page.click('#open-dashboard')
      await w.page.waitForSelector('[data-testid=permu-bars] svg')
      expect(await w.page.textContent('[data-testid=permu-scope]')).toBe(`范围：洛龙区 · ${LAST}年 · ${own.clusters.length} 个集聚区`)
      expect((await shown(w.page, 'permu-bars'))!.series[0]!.data).toHaveLength(own.clusters.length)
      // a chart of two bars is still tall enough to read
      expect(await w.page.locator('[data-testid=permu-bars]').evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThanOrEqual(240)
      // the year's evaluation published (stored) for 洛龙区: the panel counts it
      const stored = await jobResult<{ stored: number }>(h.t.app, await h.t.app.inject({ method: 'POST', url: `/api/permu/ratings/${LAST}`, headers: { authorization } }), { authorization })
      expect(stored.stored).toBeGreaterThan(0)
      const ratings = (await h.t.app.inject({ url: `/api/permu/ratings?year=${LAST}`, headers: { authorization } })).json()
      const total = Object.values(ratings.counts as Record<string, number>).reduce((a, b) => a + b, 0)
      await w.page.click('#dashboard-panel .close')
      await w.page.click('#open-dashboard')
      await w.page.waitForSelector('[data-testid=rating-published]')
      expect(await w.page.textContent('[data-testid=rating-published]'))
        .toBe(`按县区评价规则计算；${LAST}年度评价已发布 ${stored.stored} 家（共评 ${total} 家）。`)
      expect(w.consoleErrors).toEqual([])
    })
  })

  it('fits a phone (390×844): nothing wider than the screen, the chart readable', async () => {
    await withPage(h, async (w) => {
      await w.page.setViewportSize({ width: 390, height: 844 })
      await w.page.reload()
      await waitForLayers(w.page, 1)
      await loginAs(w.page, 'analyst')
      await w.page.click('#open-dashboard')
      await w.page.waitForSelector('[data-testid=permu-bars] svg')
      expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      const chart = (await w.page.locator('[data-testid=permu-bars]').boundingBox())!
      expect(chart.x).toBeGreaterThanOrEqual(0)
      expect(chart.x + chart.width).toBeLessThanOrEqual(390)
      expect(chart.height).toBeGreaterThanOrEqual(18 * 30)
      await w.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-390x844.png') })
      expect(w.consoleErrors).toEqual([])
    })
  })
})
