/** The upgrade guard: a database in use with a pending migration is migrated only after a backup of
 * it younger than ONEMAP_MIGRATE_REQUIRE_BACKUP_HOURS at its current schema, or with
 * ONEMAP_MIGRATE_WITHOUT_BACKUP=true; an empty database migrates without one. Real backups
 * (pg_dump) of real test databases; the pending migration is an extra file beside the real ones. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadBackupSettings } from '../config'
import { fileOrder, migrate, MigrationError } from '../db/migrate'
import { openDatabase } from '../db/connect'
import { pgp } from '../db/pgp'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { withDatabase } from '../test/pg-cluster'
import { createBackup } from './backup'
import { backupGuard } from './guard'

const REAL = path.resolve(__dirname, '../../sql')
const CURRENT = fs.readdirSync(path.join(REAL, 'migrations')).filter((f) => f.endsWith('.sql')).sort(fileOrder).at(-1)!
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const dirs: string[] = []
const temp = (p: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p))
  dirs.push(d)
  return d
}

/** The real migrations and functions plus one new migration: what an upgrade brings. */
function upgradeSql(): string {
  const dir = temp('onemap-guard-sql-')
  fs.cpSync(REAL, dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'migrations', '99999_upgrade_probe.sql'), 'CREATE TABLE upgrade_probe (a int);')
  return dir
}

let t: TestDatabase
let photoDir: string
beforeAll(async () => {
  t = await createTestDatabase()
  photoDir = temp('onemap-guard-photos-')
})
afterAll(async () => {
  await t.drop()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

const probe = () => t.db.one("SELECT to_regclass('upgrade_probe') IS NOT NULL AS e", [], (r: { e: boolean }) => r.e)
const settings = (dir: string, env: Record<string, string> = {}) => loadBackupSettings({ ONEMAP_DEMO: 'false', ONEMAP_BACKUP_DIR: dir, ...env })

describe('migrating a database in use', () => {
  it('is refused without a backup, naming the pending migration and the way out; nothing is applied', async () => {
    const dir = temp('onemap-guard-bk-')
    const guard = backupGuard(settings(dir))
    await expect(migrate(t.db, upgradeSql(), guard)).rejects.toThrow(MigrationError)
    await expect(migrate(t.db, upgradeSql(), guard)).rejects.toThrow(new RegExp(
      /1 pending \(99999_upgrade_probe\.sql\) and no backup younger than 24 h in .* \(there is none of this database at schema CURRENT\): run npm run backup first, or set ONEMAP_MIGRATE_WITHOUT_BACKUP=true/.source.replace('CURRENT', esc(CURRENT))))
    expect(await probe()).toBe(false)
  })

  it('is refused with a backup of another database, or one older than the setting; allowed with a fresh one', async () => {
    const dir = temp('onemap-guard-bk-')
    const other = await createTestDatabase()
    try {
      await createBackup({ mode: 'server', url: other.url }, { backup: settings(dir), photoDir, alsoInsideDataDir: [] }, () => undefined)
    } finally {
      await other.drop()
    }
    await expect(migrate(t.db, upgradeSql(), backupGuard(settings(dir)))).rejects.toThrow(/there is none of this database/)

    const made = await createBackup({ mode: 'server', url: t.url }, { backup: settings(dir), photoDir, alsoInsideDataDir: [] }, () => undefined)
    const later = new Date(new Date(made.createdAt).getTime() + 25 * 3_600_000)
    await expect(migrate(t.db, upgradeSql(), backupGuard(settings(dir), () => later))).rejects.toThrow(new RegExp(`the newest, ${made.name}, is 25\\.0 h old`))
    expect(await probe()).toBe(false)
    // the same backup, 25 h on, counts when the setting allows 48 h
    const r48 = await migrate(t.db, upgradeSql(), backupGuard(settings(dir, { ONEMAP_MIGRATE_REQUIRE_BACKUP_HOURS: '48' }), () => later))
    expect(r48.applied).toEqual(['99999_upgrade_probe.sql'])
    expect(r48.note).toMatch(new RegExp(`migrating 1 pending \\(99999_upgrade_probe\\.sql\\) after backup .*${made.name} \\(25\\.0 h old\\)`))
    expect(r48.schemaVersion).toBe('99999_upgrade_probe.sql')
    expect(await probe()).toBe(true)
    await t.db.none("DELETE FROM schema_migration WHERE name = '99999_upgrade_probe.sql'; DROP TABLE upgrade_probe")
  })

  it('goes ahead without a backup when ONEMAP_MIGRATE_WITHOUT_BACKUP=true, and says so', async () => {
    const r = await migrate(t.db, upgradeSql(), backupGuard(settings(temp('onemap-guard-bk-'), { ONEMAP_MIGRATE_WITHOUT_BACKUP: 'true' })))
    expect(r.applied).toEqual(['99999_upgrade_probe.sql'])
    expect(r.note).toBe('迁移 migrating 1 pending (99999_upgrade_probe.sql) without a backup: ONEMAP_MIGRATE_WITHOUT_BACKUP=true')
    await t.db.none("DELETE FROM schema_migration WHERE name = '99999_upgrade_probe.sql'; DROP TABLE upgrade_probe")
  })

  it('asks nothing of an empty database, nor of one with nothing pending', async () => {
    const adminUrl = inject('pgAdminUrl')
    const name = 'onemap_guard_empty'
    const admin = pgp(adminUrl)
    await admin.none('DROP DATABASE IF EXISTS $1:name', [name])
    await admin.none('CREATE DATABASE $1:name', [name])
    try {
      const guard = backupGuard(settings(temp('onemap-guard-bk-')))
      const fresh = await openDatabase({ databaseUrl: withDatabase(adminUrl, name), dataDir: '', migrationGuard: guard })
      expect(fresh.migration.applied.length).toBeGreaterThan(5)
      expect(fresh.migration.note).toBeNull()
      await fresh.close()
      const again = await migrate(t.db, undefined, guard)
      expect(again).toMatchObject({ applied: [], note: null, schemaVersion: CURRENT })
    } finally {
      await admin.none('DROP DATABASE IF EXISTS $1:name WITH (FORCE)', [name])
      await admin.$pool.end()
    }
  })

  it('defaults: 24 h outside the demo, not asked in the demo', () => {
    expect(loadBackupSettings({ ONEMAP_DEMO: 'false' }).migrateRequireHours).toBe(24)
    expect(loadBackupSettings({}).migrateRequireHours).toBe(0)
    expect(() => loadBackupSettings({ ONEMAP_BACKUP_AT: '25:00' })).toThrow(/ONEMAP_BACKUP_AT=25:00 is not a time/)
    expect(loadBackupSettings({ ONEMAP_BACKUP_AT: '02:30:15' }).at).toBe('02:30:15')
    expect(() => loadBackupSettings({ ONEMAP_BACKUP_AT: '02:30:60' })).toThrow(/is not a time/)
  })
})
