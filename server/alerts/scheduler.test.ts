/** The periodic scan of the alert rules on its own timer against a real database: it runs the
 * suspected-idle rule over every parcel on each tick without creating duplicates, records each
 * scan, escalates the overdue, and, at a first start with change polygons and no scan yet, runs
 * every rule once. Also the photo checks and the settings. */
import type { FastifyBaseLogger } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { Scenario } from '../test/scenario'
import { AlertScheduler } from './scheduler'
import { imageType, photoPath } from './photos'
import { loadAlertSettings } from './settings'
import { ConfigError } from '../config'

let t: TestDatabase
let s: Scenario
const quiet = () => undefined
const log = { info: quiet, error: quiet, warn: quiet, debug: quiet, trace: quiet, fatal: quiet, child: () => log } as unknown as FastifyBaseLogger

beforeAll(async () => {
  t = await createTestDatabase()
  s = new Scenario(t.db, '410311')
  await s.ensureCounty()
  await s.cluster({ code: 'c1', rect: [-1000, -1000, 10000, 10000] })
})
afterAll(async () => t.drop())

const scans = () => t.db.any(`SELECT trigger, result FROM alert_scan ORDER BY id`)
const until = async (what: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('the scheduled scan', () => {
  it('first start: every rule once; then each tick runs the suspected-idle scan, creating nothing twice', async () => {
    const built = await s.parcel({ rect: [0, 0, 100, 100] })
    await s.change({ rect: [10, 10, 50, 50], imageAfter: '2024-03-31' }) // on a parcel with no contract
    const idle = await s.parcel({ rect: [300, 0, 100, 100] })
    await s.contract({ parcel: idle, signedOn: '2023-01-01', agreedStartOn: '2023-06-01' })

    // about 0.2 s between ticks
    const sch = new AlertScheduler({ alerts: t.db.alerts, minutes: 0.0035, scanOnFirstStart: true, log })
    sch.start()
    try {
      await until(async () => (await scans()).filter((x) => x.trigger === 'schedule').length >= 2)
    } finally {
      await sch.stop()
    }
    const all = await scans()
    expect(all[0]!.trigger).toBe('start')
    expect(all[0]!.result.created).toBe(2)
    const ticks = all.filter((x) => x.trigger === 'schedule')
    expect(ticks.every((x) => x.result.created === 0 && x.result.candidates === 1)).toBe(true)
    const alerts = await t.db.any('SELECT type, parcel_id FROM alert ORDER BY type')
    expect(alerts).toEqual([
      { type: 'construction_on_unsupplied', parcel_id: built },
      { type: 'no_change_after_start_date', parcel_id: idle },
    ])
    // stopped: no more ticks
    const n = (await scans()).length
    await new Promise((r) => setTimeout(r, 500))
    expect((await scans()).length).toBe(n)

    // a second process start finds a scan on record and does not run every rule again
    const again = new AlertScheduler({ alerts: t.db.alerts, minutes: 0, scanOnFirstStart: true, log })
    again.start()
    await again.stop()
    expect((await scans()).length).toBe(n)
  })

  it('a tick escalates overdue alerts once, to the county analyst', async () => {
    await t.db.none(`INSERT INTO app_user (username, display_name, role, county_scope, password_hash)
                     VALUES ('an.ll', '洛龙分析员', 'analyst', '{410311}', 'x'), ('an.city', '市分析员', 'analyst', NULL, 'x')`)
    await t.db.none(`UPDATE alert SET due_on = luoyang_today() - 1 WHERE type = 'no_change_after_start_date'`)
    const sch = new AlertScheduler({ alerts: t.db.alerts, minutes: 0, scanOnFirstStart: false, log })
    const r = await sch.run('schedule')
    expect(r!.result.escalated).toBe(1)
    expect(await t.db.one(`SELECT u.username FROM alert a JOIN app_user u ON u.id = a.escalated_to WHERE a.type = 'no_change_after_start_date'`))
      .toEqual({ username: 'an.ll' })
    expect((await sch.run('schedule'))!.result.escalated).toBe(0)
    await sch.stop()
  })
})

describe('photos and settings', () => {
  it('recognises JPEG and PNG by their first bytes only', () => {
    expect(imageType(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 0]))).toBe('image/jpeg')
    expect(imageType(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(8)]))).toBe('image/png')
    expect(imageType(Buffer.from('GIF89a......'))).toBeNull()
    expect(imageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(imageType(Buffer.from([0xff, 0xd8]))).toBeNull()
    expect(() => photoPath('/tmp', '../etc/passwd', 'image/png')).toThrow(/sha256/)
  })

  it('reads its settings with defaults, and refuses a bad value naming it', () => {
    expect(loadAlertSettings({})).toMatchObject({ photoMaxBytes: 10 * 1024 * 1024, scanMinutes: 1440 })
    expect(loadAlertSettings({}).photoDir.endsWith('/data/photos')).toBe(true)
    expect(loadAlertSettings({ ONEMAP_ALERT_SCAN_MINUTES: '0' }).scanMinutes).toBe(0)
    expect(() => loadAlertSettings({ ONEMAP_PHOTO_MAX_MB: 'lots' })).toThrow(ConfigError)
    expect(() => loadAlertSettings({ ONEMAP_PHOTO_MAX_MB: 'lots' })).toThrow(/ONEMAP_PHOTO_MAX_MB/)
  })
})
