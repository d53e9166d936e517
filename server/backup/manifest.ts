/** A backup is one folder, named onemap-<UTC time>-<mode>, holding its parts, manifest.json (what,
 * when, the schema version, each part's size and SHA-256) and manifest.sha256 (the manifest's own
 * SHA-256, in `sha256sum -c` format). It is built under a hidden temporary name and renamed only
 * once every file is written and fsynced; the manifest names the folder, so a folder under any
 * other name (a leftover of a killed backup) is never restored. A checksum finds corruption, not
 * forgery: keep backups where only the operator can write. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'

export const FORMAT = 'onemap-backup/1'
export const NAME_PATTERN = /^onemap-(\d{8}T\d{6}Z)-(embedded|server)(-\d+)?$/
export const MANIFEST = 'manifest.json'
export const MANIFEST_SUM = 'manifest.sha256'

export type BackupMode = 'embedded' | 'server'

export interface BackupPart {
  /** file name inside the backup folder */
  name: string
  kind: 'pglite-data' | 'pg-dump' | 'photos'
  bytes: number
  sha256: string
  /** files in the part and their bytes before compression */
  files: number
  contentBytes: number
}

export interface Manifest {
  format: typeof FORMAT
  name: string
  mode: BackupMode
  createdAt: string
  finishedAt: string
  onemapVersion: string
  /** the last applied migration (sql/migrations) */
  schemaVersion: string
  migrations: number
  /** the database the backup was taken of (PostgreSQL's system identifier and database name) */
  database: { systemIdentifier: string; name: string; serverVersion: string }
  /** the highest land event (event_log id) in the backup */
  dataVersion: number
  consistency: string
  parts: BackupPart[]
}

export class BackupRefused extends Error {}

export const sha256Hex = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex')

/** SHA-256 and size of a file, read as a stream; onBytes reports progress. */
export async function hashFile(file: string, onBytes?: (n: number) => void): Promise<{ sha256: string; bytes: number }> {
  const hash = crypto.createHash('sha256')
  let bytes = 0
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
    onBytes?.((chunk as Buffer).length)
  }
  return { sha256: hash.digest('hex'), bytes }
}

export function backupName(mode: BackupMode, at: Date, dir: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
  let name = `onemap-${stamp}-${mode}`
  for (let i = 2; fs.existsSync(path.join(dir, name)); i++) name = `onemap-${stamp}-${mode}-${i}`
  return name
}

export async function fsyncPath(p: string): Promise<void> {
  const h = await fsp.open(p, 'r')
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

/** Writes manifest.json and manifest.sha256 into the (temporary) folder, fsynced. */
export async function writeManifest(folder: string, manifest: Manifest): Promise<void> {
  const text = JSON.stringify(manifest, null, 2) + '\n'
  await fsp.writeFile(path.join(folder, MANIFEST), text, { mode: 0o640 })
  await fsp.writeFile(path.join(folder, MANIFEST_SUM), `${sha256Hex(text)}  ${MANIFEST}\n`, { mode: 0o640 })
  await fsyncPath(path.join(folder, MANIFEST))
  await fsyncPath(path.join(folder, MANIFEST_SUM))
}

/** The manifest of a backup folder, checked: its own checksum, the format, the folder's name, and
 * each part present with its recorded size. Parts' SHA-256 are checked by verifyParts. */
export async function readManifest(folder: string): Promise<Manifest> {
  const where = path.resolve(folder)
  const base = path.basename(where)
  let stat: fs.Stats
  try {
    stat = await fsp.stat(where)
  } catch {
    throw new BackupRefused(`no backup at ${where}`)
  }
  if (!stat.isDirectory()) throw new BackupRefused(`${where} is not a backup folder (a backup is a folder named onemap-<time>-<mode>)`)
  let text: string, sum: string
  try {
    text = await fsp.readFile(path.join(where, MANIFEST), 'utf8')
    sum = await fsp.readFile(path.join(where, MANIFEST_SUM), 'utf8')
  } catch {
    throw new BackupRefused(`${base} has no ${MANIFEST} and ${MANIFEST_SUM}: an unfinished backup or not a backup`)
  }
  const expected = /^([0-9a-f]{64}) {2}manifest\.json\n?$/.exec(sum)?.[1]
  if (!expected) throw new BackupRefused(`${base}: ${MANIFEST_SUM} is damaged`)
  if (sha256Hex(text) !== expected) throw new BackupRefused(`${base}: ${MANIFEST} does not match its checksum (${MANIFEST_SUM}): it was changed or damaged`)
  let m: Manifest
  try {
    m = JSON.parse(text) as Manifest
  } catch {
    throw new BackupRefused(`${base}: ${MANIFEST} is not JSON`)
  }
  if (m.format !== FORMAT) throw new BackupRefused(`${base}: unknown backup format ${String(m.format)} (this OneMap reads ${FORMAT})`)
  if (m.name !== base || !NAME_PATTERN.test(base)) {
    throw new BackupRefused(`${base}: the manifest names this backup ${m.name}; a folder under another name is the leftover of an interrupted backup (or was renamed: give it back its name)`)
  }
  if (!Array.isArray(m.parts) || m.parts.length === 0) throw new BackupRefused(`${base}: the manifest lists no parts`)
  for (const p of m.parts) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(p.name)) throw new BackupRefused(`${base}: bad part name ${p.name}`)
    let size: number
    try {
      size = (await fsp.stat(path.join(where, p.name))).size
    } catch {
      throw new BackupRefused(`${base}: part ${p.name} is missing`)
    }
    if (size !== p.bytes) throw new BackupRefused(`${base}: part ${p.name} has ${size} bytes, the manifest says ${p.bytes} (truncated or damaged)`)
  }
  return m
}

/** Every part's SHA-256 against the manifest; the first that differs is named. */
export async function verifyParts(folder: string, m: Manifest, onBytes?: (n: number) => void): Promise<void> {
  for (const p of m.parts) {
    const { sha256 } = await hashFile(path.join(folder, p.name), onBytes)
    if (sha256 !== p.sha256) throw new BackupRefused(`${m.name}: part ${p.name} is damaged (SHA-256 ${sha256.slice(0, 12)}…, the manifest says ${p.sha256.slice(0, 12)}…)`)
  }
}

export interface ListedBackup { folder: string; manifest: Manifest }

/** The complete backups in a folder (manifest and part sizes checked, not the parts' hashes),
 * newest first. Anything else there is ignored. */
export async function listBackups(dir: string): Promise<ListedBackup[]> {
  let names: string[]
  try {
    names = await fsp.readdir(dir)
  } catch {
    return []
  }
  const found: ListedBackup[] = []
  for (const n of names.filter((x) => NAME_PATTERN.test(x))) {
    try {
      found.push({ folder: path.join(dir, n), manifest: await readManifest(path.join(dir, n)) })
    } catch { /* not a complete backup: never counted */ }
  }
  return found.sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt) || b.manifest.name.localeCompare(a.manifest.name))
}
