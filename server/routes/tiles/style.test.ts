/** GET /tiles/style.json: the one map as a MapLibre style for outside clients. Valid by MapLibre's
 * own style specification (validateStyleMin of @maplibre/maplibre-gl-style-spec), over this
 * server's TileJSON, with the web map's classes, colours and Chinese labels, and only the layers
 * the caller may read (the public: clusters, counties, plan zones). */
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
