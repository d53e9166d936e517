/** GET /tiles/style.json: the one map as a MapLibre style for outside clients. Valid by MapLibre's
 * own style specification (validateStyleMin of @maplibre/maplibre-gl-style-spec), over this
 * server's TileJSON, with the web map's classes, colours and Chinese labels, and only the layers
 * the caller may read (the public: clusters, counties, plan zones). And GET /tiles/{layer}/style.qml:
 * the QGIS style of a land layer with the same classes, colours and labels. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateStyleMin, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec'
import { createTestApp, type TestApp } from '../../test/app'
import { PARCEL_LEGEND } from '../../../web-map/src/layers'

let t: TestApp
let analyst: { authorization: string }
beforeAll(async () => {
  t = await createTestApp()
  analyst = await t.loginAs('analyst', null)
}, 120_000)
afterAll(async () => t?.close())

describe('style.json', () => {
  it('is a valid MapLibre style over this server\'s TileJSON, with the web map\'s colours and labels', async () => {
    const res = await t.app.inject({ url: '/tiles/style.json', headers: analyst })
    expect(res.statusCode).toBe(200)
    const style = res.json()
    expect(validateStyleMin(style as StyleSpecification)).toEqual([])
    expect(style.sources.parcels.url).toMatch(/^http:\/\/[^/]+\/tiles\/parcels\.json$/)
    // the TileJSON it points to answers, for this caller
    expect((await t.app.inject({ url: new URL(style.sources.parcels.url).pathname, headers: analyst })).statusCode).toBe(200)
    const fill = style.layers.find((l: { id: string }) => l.id === 'parcels-fill')
    const colours = JSON.stringify(fill.paint['fill-color'])
    for (const item of PARCEL_LEGEND) expect(colours).toContain(item.colour)
    expect(style.metadata['onemap:legend'].parcels.items.find((i: { key: string }) => i.key === 'idle_2').label).toBe('闲置（满两年）')
    // labels above every fill
    const ids: string[] = style.layers.map((l: { id: string }) => l.id)
    expect(ids.indexOf('parcels-label')).toBeGreaterThan(ids.indexOf('parcels-fill'))
    expect(ids.at(-1)).toMatch(/-label$/)
  })

  it('holds only the layers the caller may read', async () => {
    const res = await t.app.inject({ url: '/tiles/style.json' })
    expect(res.statusCode).toBe(200)
    const style = res.json()
    expect(validateStyleMin(style as StyleSpecification)).toEqual([])
    expect(Object.keys(style.sources).sort()).toEqual(['clusters', 'counties', 'plan_zones'])
    expect(JSON.stringify(style)).not.toContain('parcels')
  })
})

describe('QGIS styles', () => {
  it('the parcels .qml: well-formed, one category per web-map class with its colour and Chinese label, labels by code', async () => {
    const res = await t.app.inject({ url: '/tiles/parcels/style.qml', headers: analyst })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/xml/)
    const qml = res.body
    // well-formed: every element closed, in order; every attribute quoted, no raw & or <
    const stack: string[] = []
    for (const m of qml.replace(/<!DOCTYPE[^>]*>/, '').matchAll(/<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos);)/g)) {
      expect(m[2], `stray ${m[0]} at ${m.index}`).toBeDefined()
      if (m[1]) expect(stack.pop()).toBe(m[2])
      else if (!m[4]) stack.push(m[2]!)
    }
    expect(stack).toEqual([])
    expect(qml.match(/<category /g)?.length).toBe(PARCEL_LEGEND.length + 1)
    expect(qml).toContain(`attr="coalesce(&quot;class_detail&quot;, &quot;class&quot;, &apos;stage_&apos; || &quot;stage&quot;)"`)
    for (const item of PARCEL_LEGEND) {
      expect(qml).toContain(`value="${item.key}" label="${item.label}"`)
      const n = parseInt(item.colour.slice(1), 16)
      expect(qml).toContain(`value="${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},179"`)
    }
    expect(qml).toContain('fieldName="code"')
  })

  it('plan zones by type; a layer without classes, an unknown one, or a land layer for the public: refused', async () => {
    const zones = await t.app.inject({ url: '/tiles/plan_zones/style.qml' })
    expect(zones.statusCode).toBe(200)
    expect(zones.body).toContain('value="industrial" label="工业"')
    expect((await t.app.inject({ url: '/tiles/alerts/style.qml', headers: analyst })).statusCode).toBe(404)
    expect((await t.app.inject({ url: '/tiles/nothing/style.qml', headers: analyst })).statusCode).toBe(404)
    expect((await t.app.inject({ url: '/tiles/parcels/style.qml' })).statusCode).toBe(401)
  })
})
