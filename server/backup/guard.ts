/** The upgrade guard (数据备份恢复 before an upgrade): pending migrations are applied to a database in
 * use only when a complete backup of that very database, at its current schema version, is younger
 * than ONEMAP_MIGRATE_REQUIRE_BACKUP_HOURS, or when ONEMAP_MIGRATE_WITHOUT_BACKUP=true says to go
 * on without one. A new, empty database migrates freely (server/db/migrate.ts asks only when some
 * migrations are already applied). */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BackupSettings } from '../config'
import { MigrationError, type MigrationGuard } from '../db/migrate'
import { listBackups } from './manifest'
import { sameDatabase } from './status'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const IDENTITY_SQL = fs.readFileSync(path.join(HERE, 'identity.sql'), 'utf8')

export class MigrationRefused extends MigrationError {
  constructor(message: string) {
    super('(none applied)', new Error(message))
    this.message = message
  }
}

const hoursAgo = (iso: string, now: Date) => (now.getTime() - new Date(iso).getTime()) / 3_600_000

export function backupGuard(settings: BackupSettings, now = () => new Date()): MigrationGuard {
  return async (t, pending, current) => {
    const list = `${pending.length} pending (${pending.join(', ')})`
    if (settings.migrateWithoutBackup) return `迁移 migrating ${list} without a backup: ONEMAP_MIGRATE_WITHOUT_BACKUP=true`
    if (settings.migrateRequireHours === 0) return `迁移 migrating ${list}; no backup asked (ONEMAP_MIGRATE_REQUIRE_BACKUP_HOURS=0)`
    const info = await t.one('SELECT current_database() AS name') as { name: string }
    let systemIdentifier = 'unknown'
    try {
      systemIdentifier = await t.one('SAVEPOINT ident; ' + IDENTITY_SQL, [], (r: { system_identifier: string }) => r.system_identifier)
    } catch {
      await t.none('ROLLBACK TO SAVEPOINT ident')
    }
    const at = now()
    const found = (await listBackups(settings.dir))
      .find((b) => sameDatabase(b, { systemIdentifier, name: info.name }) && b.manifest.schemaVersion === current)
    if (found && hoursAgo(found.manifest.createdAt, at) <= settings.migrateRequireHours) {
      return `迁移 migrating ${list} after backup ${found.folder} (${hoursAgo(found.manifest.createdAt, at).toFixed(1)} h old)`
    }
    const seen = found ? `the newest, ${found.manifest.name}, is ${hoursAgo(found.manifest.createdAt, at).toFixed(1)} h old` : `there is none of this database at schema ${current}`
    throw new MigrationRefused(`${list} and no backup younger than ${settings.migrateRequireHours} h in ${settings.dir} (${seen}): run npm run backup first, or set ONEMAP_MIGRATE_WITHOUT_BACKUP=true to migrate without one`)
  }
}
