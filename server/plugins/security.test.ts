/** Security headers on every answer, CORS only for the allow-list, OPTIONS with Allow. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { ConfigError, loadConfig } from '../config'

let dist: string
beforeAll(() => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-dist-'))
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>一张图</title>')
})
afterAll(() => fs.rmSync(dist, { recursive: true, force: true }))

/** The directives of a CSP header, name → sources. */
function directives(header: string | string[] | number | undefined): Record<string, string[]> {
  return Object.fromEntries(String(header ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...sources] = d.split(/\s+/)
    return [name!, sources]
  }))
}

describe('headers, by default', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ ONEMAP_WEB_DIST: dist })
  })
  afterAll(async () => t?.close())

  it('are on the page, the API document, Swagger UI, API answers and errors alike', async () => {
    const auth = await t.loginAs('analyst', null)
    const requests = [
      { url: '/' }, { url: '/docs/json' }, { url: '/docs' }, { url: '/api/health' }, { url: '/api/parcels', headers: auth },
      { url: '/api/parcels' }, { url: '/api/no-such-thing' },
    ]
    const answers = []
    for (const r of requests) answers.push(await t.app.inject(r))
    for (const [i, res] of answers.entries()) {
      const where = `${requests[i]!.url} → ${res.statusCode}`
      expect(res.headers['x-content-type-options'], where).toBe('nosniff')
      expect(res.headers['x-frame-options'], where).toBe('DENY')
      expect(res.headers['referrer-policy'], where).toBe('no-referrer')
      const csp = directives(res.headers['content-security-policy'])
      expect(csp['frame-ancestors'], where).toEqual(["'none'"])
      expect(csp['default-src'], where).toEqual(["'self'"])
      expect(csp['script-src'], where).toEqual(["'self'"])
      // MapLibre's worker (a file of the build) and its images
      expect(csp['worker-src'], where).toEqual(["'self'"])
      expect(csp['img-src'], where).toEqual(["'self'", 'data:', 'blob:'])
      expect(csp['connect-src'], where).toEqual(["'self'"])
      expect(csp, where).not.toHaveProperty('upgrade-insecure-requests')
      expect(res.headers['access-control-allow-origin'], where).toBeUndefined()
    }
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 401, 404])
  })

  it('answer OPTIONS with the methods of the path (RFC 9110 §9.3.7), and no CORS for any origin', async () => {
    const list = await t.app.inject({ method: 'OPTIONS', url: '/api/parcels' })
    expect(list.statusCode).toBe(204)
    expect(list.headers.allow).toBe('GET, HEAD, OPTIONS')
    const card = await t.app.inject({ method: 'OPTIONS', url: '/api/parcels/LY-001?x=1' })
    expect(card.statusCode).toBe(204)
    expect(card.headers.allow).toBe('GET, HEAD, PATCH, DELETE, OPTIONS')
    const none = await t.app.inject({ method: 'OPTIONS', url: '/api/nothing/here' })
    expect(none.statusCode).toBe(404)
    const preflight = await t.app.inject({
      method: 'OPTIONS', url: '/api/parcels',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    })
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined()
    const get = await t.app.inject({ url: '/api/health', headers: { origin: 'https://elsewhere.example' } })
    expect(get.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('with a 天地图 key and a CORS allow-list', () => {
  let t: TestApp
  const GIS = 'https://gis.example.gov.cn'
  beforeAll(async () => {
    t = await createTestApp({ ONEMAP_WEB_DIST: dist, ONEMAP_TIANDITU_TOKEN: '0123456789abcdef0123456789abcdef', ONEMAP_CORS_ORIGINS: `${GIS}, http://10.1.2.3:8080` })
  })
  afterAll(async () => t?.close())

  it('let the map reach the 天地图 hosts for images and fetches, and send them the origin only', async () => {
    const res = await t.app.inject('/')
    const csp = directives(res.headers['content-security-policy'])
    expect(csp['img-src']).toContain('https://*.tianditu.gov.cn')
    expect(csp['connect-src']).toEqual(["'self'", 'https://*.tianditu.gov.cn'])
    expect(csp['script-src']).toEqual(["'self'"])
    expect(res.headers['referrer-policy']).toBe('strict-origin')
  })

  it('answer the preflight of an origin on the list, and only of those', async () => {
    const preflight = (origin: string) => t.app.inject({
      method: 'OPTIONS', url: '/api/parcels/LY-001',
      headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, if-match, content-type' },
    })
    const ok = await preflight(GIS)
    expect(ok.statusCode).toBe(204)
    expect(ok.headers['access-control-allow-origin']).toBe(GIS)
    expect(String(ok.headers['access-control-allow-methods'])).toContain('PATCH')
    expect(String(ok.headers['access-control-allow-headers'])).toContain('if-match')
    expect(ok.headers.vary).toMatch(/Origin/)
    const other = await preflight('https://gis.example.gov.cn.evil.example')
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
    const get = await t.app.inject({ url: '/api/health', headers: { origin: 'http://10.1.2.3:8080' } })
    expect(get.headers['access-control-allow-origin']).toBe('http://10.1.2.3:8080')
    expect(String(get.headers['access-control-expose-headers'])).toContain('etag')
    const plain = await t.app.inject({ method: 'OPTIONS', url: '/api/parcels' })
    expect(plain.statusCode).toBe(204)
    expect(plain.headers.allow).toBe('GET, HEAD, OPTIONS')
  })
})

describe('the settings', () => {
  it('refuse an origin that is not one, and a proxy address that is not an address', () => {
    expect(() => loadConfig({ ONEMAP_CORS_ORIGINS: 'https://gis.example.gov.cn/' })).toThrow(ConfigError)
    expect(() => loadConfig({ ONEMAP_CORS_ORIGINS: '*' })).toThrow(/not an origin/)
    expect(() => loadConfig({ ONEMAP_TRUST_PROXY: 'proxy.local' })).toThrow(/not an IP address/)
    expect(loadConfig({ ONEMAP_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8'])
  })
})
