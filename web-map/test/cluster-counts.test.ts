/** Cluster counts by class below the parcel zoom: each cluster's label carries the counts of the
 * analysis summary the server gives this user (scoped to their counties), with 放大查看地块; the
 * public gets names only; above the parcel zoom the label is the name alone. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../server/auth'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { FIXTURE_CENTRE } from '../../server/test/tiles-fixture'
import { countLines, type ClusterSummary } from '../src/cluster-counts'
import { jumpTo, PASSWORD, renderedProps, signInAs, startHarness, waitIdle, type MapHarness, withPage } from './harness'

let h: MapHarness

beforeAll(async () => {
  h = await startHarness()
  await h.t.database.db.one('SELECT analysis.refresh_all() AS r')
  await h.t.database.db.users.create({ username: 'map.surveyor.jianxi', display_name: '涧西区测绘员', role: 'surveyor', county_scope: ['410305'], password_hash: await hashPassword(PASSWORD) })
}, 180_000)
afterAll(async () => h?.close())

/** What the server's summary says for this user, cluster by cluster, written as the label does. */
async function expected(username: string): Promise<Map<string, string>> {
  const login = await h.t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } })
  const res = await h.t.app.inject({ url: '/api/analysis/summary', headers: { authorization: `Bearer ${login.json().token}` } })
  expect(res.statusCode, res.body).toBe(200)
  return new Map((res.json().clusters as ClusterSummary[]).filter((c) => c.cluster_code).map((c) => [c.cluster_code!, countLines(c)]))
}

const labelText = (page: import('playwright-core').Page) => page.evaluate(() => {
  const m = (window as any).onemap.map
  return { field: m.getLayoutProperty('clusters-label', 'text-field'), counts: Object.fromEntries((window as any).onemap.clusterCounts()) as Record<string, string> }
})

describe('cluster labels below the parcel zoom', { timeout: BROWSER_TEST_MS }, () => {
  it('carry the counts by class of the user\'s clusters, written from the summary, with 放大查看地块', async () => {
    await withPage(h, async (w) => {
      await signInAs(w.page, 'map.analyst')
      await jumpTo(w.page, FIXTURE_CENTRE, 10)
      await w.page.waitForFunction(() => (window as any).onemap.clusterCounts().size > 0)
      const want = await expected('map.analyst')
      const { counts } = await labelText(w.page)
      expect(new Map(Object.entries(counts))).toEqual(want)
      // the fixture's 洛龙 cluster has classified parcels: a count, not the all-clear
      expect(counts.luolong).toMatch(/(闲置|低效|未供即用|不符合规划) \d+ 宗|批而未供 \d+ 批/)
      expect(counts.luolong!.split('\n').at(-1)).toBe('放大查看地块')
      // the label source holds them, and the labels drawn carry them (a label that collides with
      // another is left out by MapLibre: some, not all, are drawn)
      await waitIdle(w.page)
      const source = await w.page.evaluate(async () => (await (window as any).onemap.map.getSource('cluster-labels').getData()).features
        .map((f: any) => [f.properties.code, f.properties.counts]))
      expect(Object.fromEntries(source.filter(([, c]: [string, unknown]) => c !== undefined))).toEqual(counts)
      const rendered = await renderedProps(w.page, 'clusters-label')
      expect(rendered.length).toBeGreaterThan(0)
      for (const p of rendered) expect(p.counts, String(p.code)).toBe(counts[String(p.code)])
      expect(w.consoleErrors).toEqual([])
    })
  })

  it('are scoped like the summary: a county\'s surveyor gets counts for their county\'s clusters only, the public none', async () => {
    await withPage(h, async (w) => {
      await jumpTo(w.page, FIXTURE_CENTRE, 10)
      await waitIdle(w.page)
      expect((await labelText(w.page)).counts).toEqual({})
      expect((await renderedProps(w.page, 'clusters-label')).some((p) => 'counts' in p)).toBe(false)
      const summaries: string[] = []
      w.page.on('request', (r) => { if (r.url().includes('/api/analysis/summary')) summaries.push(r.url()) })
      await signInAs(w.page, 'map.surveyor.jianxi')
      // a county's user is taken to their cluster at the parcel zoom, where the counts are not
      // shown: they are not asked for there, only once the map is zoomed out below it
      const view = await w.page.evaluate(() => ({ zoom: (window as any).onemap.map.getZoom(), parcels: (window as any).onemap.map.getSource('parcels').minzoom }))
      expect(view.zoom).toBeGreaterThanOrEqual(view.parcels)
      await waitIdle(w.page)
      expect(summaries).toEqual([])
      expect((await labelText(w.page)).counts).toEqual({})
      await jumpTo(w.page, FIXTURE_CENTRE, 10)
      await w.page.waitForFunction(() => (window as any).onemap.clusterCounts().size > 0)
      expect(summaries).toHaveLength(1)
      const { counts } = await labelText(w.page)
      const want = await expected('map.surveyor.jianxi')
      expect(new Map(Object.entries(counts))).toEqual(want)
      expect(Object.keys(counts)).toContain('gaoxin')
      expect(Object.keys(counts)).not.toContain('luolong') // 洛龙区's cluster: not in 涧西区's scope
    })
  })

  it('show the name alone from the parcel zoom on', async () => {
    await withPage(h, async (w) => {
      await signInAs(w.page, 'map.analyst')
      await w.page.waitForFunction(() => (window as any).onemap.clusterCounts().size > 0)
      const { field } = await labelText(w.page)
      // step on the zoom: counts below the parcel layer's minzoom, the name from it on
      const minzoom = await w.page.evaluate(() => (window as any).onemap.map.getSource('parcels').minzoom)
      expect(field[0]).toBe('step')
      expect(field[3]).toBe(minzoom)
      expect(field[4]).toEqual(['get', 'short_name'])
    })
  })
})
