/** The page and its settings: the built map at / (the page revalidated, hashed assets cached for
 * good), and /api/map-settings with the optional 天地图 key, which is refused at start when it
 * is not one. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { loadConfig } from '../config'

let dist: string

beforeAll(() => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-dist-'))
  fs.mkdirSync(path.join(dist, 'assets'))
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>一张图</title>')
  fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)')
})
afterAll(() => fs.rmSync(dist, { recursive: true, force: true }))

describe('the built map', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ ONEMAP_WEB_DIST: dist })
  })
  afterAll(async () => t?.close())

  it('serves the page to revalidate and the hashed assets to keep', async () => {
    const page = await t.app.inject('/')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.body).toContain('一张图')
    expect(page.headers['cache-control']).toBe('no-cache')
    const asset = await t.app.inject('/assets/index-abc123.js')
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('offers no 天地图 basemap without a key, and names the roles that see tax figures', async () => {
    const res = await t.app.inject('/api/map-settings')
    expect(res.json()).toEqual({ tiandituToken: null, sensitiveRoles: ['admin', 'analyst'] })
  })
})

describe('the 天地图 key', () => {
  it('is handed to the page when configured', async () => {
    const key = '0123456789abcdef0123456789ABCDEF'
    const t = await createTestApp({ ONEMAP_WEB_DIST: dist, ONEMAP_TIANDITU_TOKEN: key })
    try {
      expect((await t.app.inject('/api/map-settings')).json().tiandituToken).toBe(key)
    } finally {
      await t.close()
    }
  })

  it('is refused at start, naming the setting, when it is not a key', () => {
    expect(() => loadConfig({ ONEMAP_TIANDITU_TOKEN: 'not-a-key' })).toThrow(/ONEMAP_TIANDITU_TOKEN/)
    expect(loadConfig({ ONEMAP_TIANDITU_TOKEN: '  ' }).tiandituToken).toBeNull()
  })
})
