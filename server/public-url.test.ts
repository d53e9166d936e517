/** The absolute links OneMap writes (TileJSON `tiles`, the OGC API's links) name the address the
 * client reached: the forwarded scheme and host when the request comes through a trusted proxy,
 * never when anyone else sends those headers, and the public address setting above both. */
import { afterAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from './test/app'
import { ConfigError, loadConfig } from './config'

const apps: TestApp[] = []
afterAll(async () => { for (const a of apps) await a.close() })

async function links(env: Record<string, string>, headers: Record<string, string>) {
  const t = await createTestApp(env)
  apps.push(t)
  const tiles = (await t.app.inject({ url: '/tiles/clusters.json', headers })).json().tiles[0] as string
  const ogc = (await t.app.inject({ url: '/ogc', headers })).json().links.find((l: { rel: string }) => l.rel === 'data').href as string
  return { tiles, ogc }
}

const FORWARDED = { host: 'onemap:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gis.example.gov.cn' }

describe('public base URL', () => {
  it('behind a trusted proxy: the forwarded scheme and host', async () => {
    // app.inject comes from 127.0.0.1
    expect(await links({ ONEMAP_TRUST_PROXY: '127.0.0.1' }, FORWARDED)).toEqual({
      tiles: 'https://gis.example.gov.cn/tiles/clusters/{z}/{x}/{y}.mvt',
      ogc: 'https://gis.example.gov.cn/ogc/collections',
    })
  })

  it('forwarded headers from a client that is not a trusted proxy are ignored', async () => {
    expect(await links({}, FORWARDED)).toEqual({
      tiles: 'http://onemap:3000/tiles/clusters/{z}/{x}/{y}.mvt',
      ogc: 'http://onemap:3000/ogc/collections',
    })
  })

  it('ONEMAP_PUBLIC_URL wins, path included', async () => {
    expect(await links({ ONEMAP_PUBLIC_URL: 'https://gis.example.gov.cn/onemap/', ONEMAP_TRUST_PROXY: '127.0.0.1' }, { ...FORWARDED, 'x-forwarded-host': 'evil.example' })).toEqual({
      tiles: 'https://gis.example.gov.cn/onemap/tiles/clusters/{z}/{x}/{y}.mvt',
      ogc: 'https://gis.example.gov.cn/onemap/ogc/collections',
    })
  })

  it('a public URL that is not a plain http(s) address is refused at start, naming the setting', () => {
    for (const bad of ['ftp://x.example', 'https://x.example/?a=1', 'https://u:p@x.example', 'gis.example.gov.cn']) {
      expect(() => loadConfig({ ONEMAP_PUBLIC_URL: bad })).toThrow(ConfigError)
      expect(() => loadConfig({ ONEMAP_PUBLIC_URL: bad })).toThrow(/ONEMAP_PUBLIC_URL/)
    }
  })
})
