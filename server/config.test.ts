import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, describeConfigError, environment, loadConfig } from './config'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-config-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function envFile(text: string): string {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.env`)
  fs.writeFileSync(file, text)
  return file
}

describe('settings from .env and the environment', () => {
  it('reads the settings of .env; a variable exported wins over the file', () => {
    const file = envFile('ONEMAP_SESSION_HOURS=5\nONEMAP_SENSITIVE_ROLES=admin\n# a comment\nPORT=3100\n')
    const fromFile = loadConfig(environment(file, {}).env)
    expect(fromFile.sessionHours).toBe(5)
    expect(fromFile.sensitiveRoles).toEqual(['admin'])
    expect(fromFile.port).toBe(3100)
    const source = environment(file, { PORT: '3200' })
    expect(loadConfig(source.env).port).toBe(3200)
    expect([...source.fromFile].sort()).toEqual(['ONEMAP_SENSITIVE_ROLES', 'ONEMAP_SESSION_HOURS'])
  })

  it('without a .env file the environment alone', () => {
    const source = environment(path.join(dir, 'missing.env'), { PORT: '3300' })
    expect(source.fromFile.size).toBe(0)
    expect(loadConfig(source.env).port).toBe(3300)
  })

  it('refuses a bad value from either source, naming the file when it came from there', () => {
    const file = envFile('ONEMAP_SENSITIVE_ROLES=admin,boss\n')
    const source = environment(file, {})
    let error: unknown
    try {
      loadConfig(source.env)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(describeConfigError(error as ConfigError, source)).toBe(
      `ONEMAP_SENSITIVE_ROLES: unknown role "boss" (known: admin, analyst, surveyor, inspector) (set in ${file})`)
    expect(() => loadConfig(environment(envFile('PORT=3000\n'), { PORT: '70000' }).env)).toThrow(ConfigError)
    expect(() => loadConfig(environment(envFile('ONEMAP_DEMO=maybe\n'), {}).env)).toThrow(/ONEMAP_DEMO=maybe is not true or false/)
    // the duty roles see no land data: never among those shown tax, output and price
    for (const role of ['security', 'audit']) {
      expect(() => loadConfig({ ONEMAP_SENSITIVE_ROLES: `admin,${role}` })).toThrow(`ONEMAP_SENSITIVE_ROLES: the role "${role}" sees no land data`)
    }
  })

  it('uncached tiles encoded at once: this host\'s cores unless set, 0 for no limit', () => {
    expect(loadConfig({}).tileQueries).toBe(os.availableParallelism())
    expect(loadConfig({ ONEMAP_TILE_QUERIES: '0' }).tileQueries).toBe(0)
    expect(loadConfig({ ONEMAP_TILE_QUERIES: '6' }).tileQueries).toBe(6)
    expect(() => loadConfig({ ONEMAP_TILE_QUERIES: '-1' })).toThrow(/ONEMAP_TILE_QUERIES=-1 is not a whole number between 0 and 1000/)
  })

  it('read replicas: a list of postgres URLs, only with a primary (the embedded database has no standbys)', () => {
    const primary = 'postgres://onemap@db1/onemap'
    expect(loadConfig({ DATABASE_URL: primary }).replicas).toEqual({ urls: [], waitMs: 500, maxLagMs: 5000, checkMs: 1000 })
    expect(loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URLS: ' postgres://r@db2/onemap, postgresql://r@db3/onemap ,', ONEMAP_REPLICA_WAIT_MS: '200' }).replicas)
      .toMatchObject({ urls: ['postgres://r@db2/onemap', 'postgresql://r@db3/onemap'], waitMs: 200 })
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://r@db2/onemap' })).toThrow(/DATABASE_REPLICA_URLS needs DATABASE_URL/)
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URLS: 'db2:5432' })).toThrow(/DATABASE_REPLICA_URLS: each must start with postgres/)
  })
})
