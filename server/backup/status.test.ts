/** What admins and /api/health are told about backups: the last run's time and result, the last
 * backup, a failed run (with its reason, to admins only) and a missed one; and the schedule's
 * clock (China Standard Time). Real backups of test databases through the app's own runner. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { msUntil } from '../plugins/backups'
import { BackupMonitor } from './status'
import { fileOrder } from '../db/migrate'

const dirs: string[] = []
const apps: TestApp[] = []
const temp = (p: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p))
  dirs.push(d)
  return d
}
afterAll(async () => {
  for (const a of apps) await a.close()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

async function app(env: Record<string, string>) {
  const t = await createTestApp({ ONEMAP_PHOTO_DIR: temp('onemap-st-photos-'), ...env })
  apps.push(t)
  return t
}

const health = async (t: TestApp) => (await t.app.inject({ method: 'GET', url: '/api/health' })).json()
const me = async (t: TestApp, auth: { authorization: string }) => (await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: auth })).json()

describe('backup state', () => {
  it('a good backup: health shows its time, result and name, and the schema version; no notice', async () => {
    const dir = temp('onemap-st-bk-')
    const t = await app({ ONEMAP_BACKUP_DIR: dir })
    const before = await health(t)
    const schema = fs.readdirSync(path.resolve(__dirname, '../../sql/migrations')).filter((f) => f.endsWith('.sql')).sort(fileOrder).at(-1)
    expect(before).toMatchObject({ schemaVersion: schema, backup: { state: 'none', lastRun: null, lastBackup: null, schedule: null, alertHours: 26 } })
    const r = await t.app.backups.run()
    const after = await health(t)
    expect(after.backup).toEqual({
      state: 'ok', schedule: null, alertHours: 26,
      lastRun: { at: r.createdAt, ok: true }, lastBackup: { at: r.createdAt, name: r.name, schemaVersion: schema },
    })
    const admin = await t.loginAs('admin', null)
    expect((await me(t, admin)).notices).toEqual([])
    // a second run while one is going is refused, the first completes
    const first = t.app.backups.run()
    await expect(t.app.backups.run()).rejects.toThrow(/a backup is already running/)
    await first

    // 27 hours on, with no newer backup: missed, and admins are told
    const monitor = t.app.backups.monitor
    const later = new Date(new Date((await first).createdAt).getTime() + 27 * 3_600_000)
    expect((await monitor.status(later)).state).toBe('missed')
    expect(await monitor.notices(later)).toEqual([{ code: 'backup_missed', message: expect.stringMatching(/no backup for more than 26 h; .*the last good backup: /) }])
  })

  it('a failed run: health says failed (without the reason), admins get the reason, others nothing; nothing is left behind', async () => {
    const dir = temp('onemap-st-bk-')
    const t = await app({ ONEMAP_BACKUP_DIR: dir, ONEMAP_PG_BIN: '/nonexistent/bin' })
    await expect(t.app.backups.run()).rejects.toThrow(/cannot run \/nonexistent\/bin\/pg_dump/)
    const h = await health(t)
    expect(h.backup).toMatchObject({ state: 'failed', lastRun: { ok: false }, lastBackup: null })
    expect(JSON.stringify(h)).not.toContain('nonexistent')
    const admin = await t.loginAs('admin', null)
    expect((await me(t, admin)).notices).toEqual([{ code: 'backup_failed', message: expect.stringContaining('cannot run /nonexistent/bin/pg_dump') }])
    const analyst = await t.loginAs('analyst', null)
    expect(await me(t, analyst)).not.toHaveProperty('notices')
    expect(fs.readdirSync(dir)).toEqual(['last-run.json'])
  })

  it('no backup ever: missed once the database is older than the alert hours', async () => {
    const made = new Date('2026-12-01T00:00:00Z')
    const m = new BackupMonitor({ dir: temp('onemap-st-empty-'), schedule: '02:30', alertHours: 26, identity: { systemIdentifier: '1', name: 'x' }, since: made })
    expect((await m.status(new Date('2026-12-02T01:00:00Z'))).state).toBe('none')
    expect((await m.status(new Date('2026-12-02T03:00:00Z'))).state).toBe('missed')
    expect((await m.notices(new Date('2026-12-02T03:00:00Z')))[0].message).toMatch(/no backup yet/)
  })

  it('the schedule runs at the set time, China Standard Time', () => {
    // 18:00 UTC is 02:00 in Beijing: 02:30 is half an hour away
    expect(msUntil('02:30', new Date('2026-12-07T18:00:00Z'))).toBe(30 * 60_000)
    // 19:00 UTC is 03:00 in Beijing: the next 02:30 is tomorrow
    expect(msUntil('02:30', new Date('2026-12-07T19:00:00Z'))).toBe(23.5 * 3_600_000)
    expect(msUntil('00:00', new Date('2026-12-07T16:00:00Z'))).toBe(24 * 3_600_000)
    // to the second (a schedule the two-process test sets a minute ahead)
    expect(msUntil('02:30:15', new Date('2026-12-07T18:30:00Z'))).toBe(15_000)
  })
})
