/**
 * Unpack the shapefile parts of an uploaded zip into a fresh temp dir.
 *
 * The zip comes from outside, so nothing in it is trusted: member names never become paths
 * (each part is written under a generated name), a name that is absolute or climbs out with ..
 * refuses the whole upload (zip-slip), and sizes are counted on the bytes actually inflated,
 * not on what the headers claim (zip bomb). Only .shp/.shx/.dbf/.prj/.cpg are extracted. Every
 * member read is checked against the CRC-32 of the central directory (yauzl reads it but checks
 * nothing, README "No CRC-32 Checking"): a flipped byte in a stored (uncompressed) member would
 * otherwise move a coordinate without any other sign.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Transform, type TransformCallback, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc32 } from 'node:zlib'
import iconv from 'iconv-lite'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { isValidUtf8 } from './encoding'
import { IngestError, ingestError } from './errors'

export interface ZipLimits {
  /** Total bytes that may be inflated, summed over every extracted member. */
  maxTotalBytes: number
  /** Entries in the central directory, files and folders alike. */
  maxEntries: number
  /** Inflated bytes per compressed byte, per member, once it passes RATIO_CHECK_FLOOR. */
  maxCompressionRatio: number
}

/** A starting point for the upload route's settings; the caller passes its own. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 2 * 1024 ** 3,
  maxEntries: 10_000,
  // DBF files are fixed-width and padded with spaces: 50:1 to 100:1 is normal for them, while
  // a deflate bomb runs near 1000:1.
  maxCompressionRatio: 200,
}

/** Small members (a .prj, a .cpg, a tiny .dbf) may compress absurdly well without harm. */
export const RATIO_CHECK_FLOOR = 1024 * 1024

export const SHAPEFILE_PARTS = ['shp', 'shx', 'dbf', 'prj', 'cpg'] as const
export type ShapefilePart = (typeof SHAPEFILE_PARTS)[number]

export interface ShapefileSet {
  /** Path inside the zip without extension, as the user named it (for messages). */
  name: string
  shp: string
  shx: string
  dbf: string
  prj?: string
  cpg?: string
  /** The zip member each part came from. */
  members: Partial<Record<ShapefilePart, string>>
}

export interface ExtractedShapefiles {
  dir: string
  sets: ShapefileSet[]
  /** Removes the temp dir. Idempotent, never throws: call it on every exit path. */
  cleanup: () => Promise<void>
}

interface Member {
  entry: Entry
  name: string
}

/** Open, vet and unpack. On any failure the temp dir is already gone when this rejects. */
export async function extractShapefiles(
  zipPath: string,
  limits: ZipLimits,
  label: string = basename(zipPath),
): Promise<ExtractedShapefiles> {
  const zip = await openZip(zipPath, label)
  let dir: string | null = null
  try {
    if (zip.entryCount === 0) throw ingestError('zip_empty', { file: label })
    if (zip.entryCount > limits.maxEntries) {
      throw ingestError('zip_too_many_entries', { count: zip.entryCount, max: limits.maxEntries })
    }
    const members = await listMembers(zip, label, limits)
    if (members.length === 0) throw ingestError('zip_empty', { file: label })

    const groups = groupShapefileParts(members)
    if (groups.length === 0) throw ingestError('zip_no_shapefile', { file: label })
    for (const g of groups) {
      for (const part of ['shx', 'dbf'] as const) {
        if (!g.parts[part]) throw ingestError('shapefile_missing_part', { member: g.parts.shp!.name, part: `.${part}` })
      }
    }
    checkDeclaredSizes(groups, limits)

    dir = await mkdtemp(join(tmpdir(), 'onemap-ingest-'))
    const budget = { left: limits.maxTotalBytes }
    const sets: ShapefileSet[] = []
    for (const [i, g] of groups.entries()) {
      const set: Partial<ShapefileSet> & { members: ShapefileSet['members'] } = { name: g.name, members: {} }
      for (const part of SHAPEFILE_PARTS) {
        const m = g.parts[part]
        if (!m) continue
        // The only name ever written: generated, never derived from the zip.
        const target = join(dir, `set-${i}.${part}`)
        await extractMember(zip, m, target, limits, budget)
        set[part] = target
        set.members[part] = m.name
      }
      sets.push(set as ShapefileSet)
    }
    return { dir, sets, cleanup: onceCleanup(dir) }
  } catch (e) {
    if (dir) await rm(dir, { recursive: true, force: true })
    throw e
  } finally {
    zip.close()
  }
}

function onceCleanup(dir: string): () => Promise<void> {
  let done: Promise<void> | null = null
  return () => (done ??= rm(dir, { recursive: true, force: true }).catch(() => undefined))
}

function openZip(path: string, label: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off: yauzl would read non-UTF-8 names as CP437 (Chinese Windows zips use
    // GBK) and reject unsafe names with a bare Error; we decode and vet names ourselves below.
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (err, zip) => {
        if (err || !zip) reject(ingestError('zip_corrupt', { file: label, cause: err?.message ?? 'unknown' }))
        else resolve(zip)
      },
    )
  })
}

/** Read the central directory. Throws on the first unsafe name; skips folders and Mac litter. */
function listMembers(zip: ZipFile, label: string, limits: ZipLimits): Promise<Member[]> {
  return new Promise((resolve, reject) => {
    const members: Member[] = []
    let seen = 0
    zip.on('error', (err: Error) =>
      reject(err instanceof IngestError ? err : ingestError('zip_corrupt', { file: label, cause: err.message })),
    )
    zip.on('end', () => resolve(members))
    zip.on('entry', (entry: Entry) => {
      try {
        if (++seen > limits.maxEntries) {
          throw ingestError('zip_too_many_entries', { count: seen, max: limits.maxEntries })
        }
        const name = decodeMemberName(entry)
        assertSafeName(name)
        if (!name.endsWith('/') && !isMacLitter(name)) members.push({ entry, name })
        zip.readEntry()
      } catch (e) {
        reject(e)
      }
    })
    zip.readEntry()
  })
}

/**
 * Member names: the Info-ZIP Unicode Path field if present, UTF-8 if flagged or valid, else
 * GBK, which is what zip tools on a Chinese Windows write without saying so.
 */
export function decodeMemberName(entry: Pick<Entry, 'fileNameRaw' | 'generalPurposeBitFlag' | 'extraFields'>): string {
  const raw = entry.fileNameRaw
  for (const field of entry.extraFields ?? []) {
    if (field.id === 0x7075 && field.data.length >= 6 && field.data[0] === 1 && field.data.readUInt32LE(1) === crc32(raw)) {
      return field.data.subarray(5).toString('utf8').replace(/\\/g, '/')
    }
  }
  const utf8 = (entry.generalPurposeBitFlag & 0x800) !== 0 || isValidUtf8(raw, false)
  // Backslash separators come from .NET's ZipFile (4.5–4.6.1); treat them as folders.
  return (utf8 ? raw.toString('utf8') : iconv.decode(raw, 'gbk')).replace(/\\/g, '/')
}

/** Refuse rather than neutralise: a zip carrying such names is broken or hostile. */
export function assertSafeName(name: string): void {
  const unsafe =
    name.includes('\0') ||
    name.startsWith('/') ||
    /^[a-zA-Z]:/.test(name) ||
    name.split('/').some((seg) => seg === '..')
  if (unsafe) throw ingestError('zip_unsafe_path', { member: name })
}

/** macOS Archive Utility adds __MACOSX/._name.shp resource forks that are not shapefiles. */
const isMacLitter = (name: string) => name.startsWith('__MACOSX/') || basename(name).startsWith('._')

interface Group {
  name: string
  parts: Partial<Record<ShapefilePart, Member>>
}

/** Group parts by folder + basename, ignoring case (ZDXX.SHP beside zdxx.dbf is common). */
function groupShapefileParts(members: Member[]): Group[] {
  const byKey = new Map<string, Group>()
  for (const m of members) {
    const match = /^(.*)\.([^./]+)$/.exec(m.name)
    if (!match) continue
    const ext = match[2].toLowerCase()
    if (!(SHAPEFILE_PARTS as readonly string[]).includes(ext)) continue
    const part = ext as ShapefilePart
    const key = match[1].toLowerCase()
    const group = byKey.get(key) ?? { name: match[1], parts: {} }
    const other = group.parts[part]
    if (other) throw ingestError('zip_duplicate_member', { member: m.name, other: other.name })
    group.parts[part] = m
    if (part === 'shp') group.name = match[1]
    byKey.set(key, group)
  }
  // Orphan .dbf/.prj files without a .shp are not shapefiles; leave them alone.
  return [...byKey.values()].filter((g) => g.parts.shp).sort((a, b) => a.name.localeCompare(b.name))
}

/** Fail fast on what the headers admit to; the streaming check below catches what they hide. */
function checkDeclaredSizes(groups: Group[], limits: ZipLimits): void {
  let total = 0
  for (const g of groups) {
    for (const m of Object.values(g.parts)) {
      if (!m) continue
      total += m.entry.uncompressedSize
      if (total > limits.maxTotalBytes) throw ingestError('zip_too_large', { member: m.name, max: limits.maxTotalBytes })
      const ratio = m.entry.uncompressedSize / Math.max(1, m.entry.compressedSize)
      if (m.entry.uncompressedSize > RATIO_CHECK_FLOOR && ratio > limits.maxCompressionRatio) {
        throw ingestError('zip_ratio', { member: m.name, ratio, max: limits.maxCompressionRatio })
      }
    }
  }
}

async function extractMember(
  zip: ZipFile,
  m: Member,
  target: string,
  limits: ZipLimits,
  budget: { left: number },
): Promise<void> {
  if (m.entry.isEncrypted()) throw ingestError('zip_encrypted', { member: m.name })
  if (!m.entry.canDecodeFileData()) {
    throw ingestError('zip_unsupported_compression', { member: m.name, method: m.entry.compressionMethod })
  }
  let source
  try {
    source = await zip.openReadStreamPromise(m.entry)
  } catch (e) {
    throw ingestError('zip_member_unreadable', { member: m.name, cause: (e as Error).message })
  }
  const guard = createSizeGuard(m.name, m.entry.compressedSize, limits, budget)
  try {
    // 'wx': the generated name must be new; never follow or overwrite anything.
    await pipeline(source, guard, createCrcCheck(m.name, m.entry.crc32), createWriteStream(target, { flags: 'wx' }))
  } catch (e) {
    if (e instanceof IngestError) throw e
    // yauzl checks inflated bytes against the central directory's size as they stream; more
    // than declared is the signature of a crafted bomb. Fewer, or a zlib error, is damage.
    const cause = (e as Error).message
    if (/too many bytes/i.test(cause)) throw ingestError('zip_size_mismatch', { member: m.name })
    throw ingestError('zip_member_unreadable', { member: m.name, cause })
  }
}

/** Passes the member's bytes through and fails at the end when their CRC-32 (node:zlib, Node
 * 20.15+) is not the one the central directory records. */
export function createCrcCheck(member: string, expected: number): Transform {
  let crc = 0
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      crc = crc32(chunk, crc)
      done(null, chunk)
    },
    flush(done: TransformCallback) {
      if (crc >>> 0 === expected >>> 0) return done()
      done(ingestError('zip_crc_mismatch', { member, expected: hex32(expected), actual: hex32(crc) }))
    },
  })
}

const hex32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0')

/**
 * Counts the bytes actually inflated, against the total budget and the member's compression
 * ratio. yauzl already stops a member that outgrows its declared size; this is the second
 * line, which does not depend on any header being honest.
 */
export function createSizeGuard(
  member: string,
  compressedSize: number,
  limits: Pick<ZipLimits, 'maxTotalBytes' | 'maxCompressionRatio'>,
  budget: { left: number },
): Transform {
  const compressed = Math.max(1, compressedSize)
  let written = 0
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      written += chunk.length
      budget.left -= chunk.length
      if (budget.left < 0) return done(ingestError('zip_too_large', { member, max: limits.maxTotalBytes }))
      if (written > RATIO_CHECK_FLOOR && written / compressed > limits.maxCompressionRatio) {
        return done(ingestError('zip_ratio', { member, ratio: written / compressed, max: limits.maxCompressionRatio }))
      }
      done(null, chunk)
    },
  })
}

/**
 * One member of a zip read into memory, with the same guards as a shapefile's extraction (safe
 * names, entry count, total size, compression ratio, CRC): the .kml of a KMZ. `pick` chooses among
 * the members' names (the first it accepts); null when none is accepted.
 */
export async function readZipMember(path: string, label: string, pick: (names: string[]) => string | undefined,
  limits: ZipLimits): Promise<{ name: string; data: Buffer } | null> {
  const zip = await openZip(path, label)
  try {
    const members = await listMembers(zip, label, limits)
    const name = pick(members.map((m) => m.name))
    const m = members.find((x) => x.name === name)
    if (!m) return null
    if (m.entry.isEncrypted()) throw ingestError('zip_encrypted', { member: m.name })
    if (!m.entry.canDecodeFileData()) throw ingestError('zip_unsupported_compression', { member: m.name, method: m.entry.compressionMethod })
    if (m.entry.uncompressedSize > limits.maxTotalBytes) throw ingestError('zip_too_large', { member: m.name, max: limits.maxTotalBytes })
    let source
    try {
      source = await zip.openReadStreamPromise(m.entry)
    } catch (e) {
      throw ingestError('zip_member_unreadable', { member: m.name, cause: (e as Error).message })
    }
    const chunks: Buffer[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void) {
        chunks.push(chunk)
        done()
      },
    })
    try {
      await pipeline(source, createSizeGuard(m.name, m.entry.compressedSize, limits, { left: limits.maxTotalBytes }), createCrcCheck(m.name, m.entry.crc32), sink)
    } catch (e) {
      if (e instanceof IngestError) throw e
      const cause = (e as Error).message
      if (/too many bytes/i.test(cause)) throw ingestError('zip_size_mismatch', { member: m.name })
      throw ingestError('zip_member_unreadable', { member: m.name, cause })
    }
    return { name: m.name, data: Buffer.concat(chunks) }
  } finally {
    zip.close()
  }
}

/**
 * Inflate every member of a zip that another library will unpack (an XLSX for exceljs), through the
 * same guards as a shapefile's extraction (safe names, entry count, total size, compression ratio,
 * CRC), keeping nothing: a zip bomb is refused here before that library inflates it in memory.
 */
export async function vetZip(path: string, label: string, limits: ZipLimits): Promise<void> {
  const zip = await openZip(path, label)
  try {
    const members = await listMembers(zip, label, limits)
    const budget = { left: limits.maxTotalBytes }
    for (const m of members) {
      if (m.entry.isEncrypted()) throw ingestError('zip_encrypted', { member: m.name })
      if (!m.entry.canDecodeFileData()) throw ingestError('zip_unsupported_compression', { member: m.name, method: m.entry.compressionMethod })
      let source
      try {
        source = await zip.openReadStreamPromise(m.entry)
      } catch (e) {
        throw ingestError('zip_member_unreadable', { member: m.name, cause: (e as Error).message })
      }
      const sink = new Writable({ write: (_c: Buffer, _e: BufferEncoding, done: (e?: Error | null) => void) => done() })
      try {
        await pipeline(source, createSizeGuard(m.name, m.entry.compressedSize, limits, budget), createCrcCheck(m.name, m.entry.crc32), sink)
      } catch (e) {
        if (e instanceof IngestError) throw e
        const cause = (e as Error).message
        if (/too many bytes/i.test(cause)) throw ingestError('zip_size_mismatch', { member: m.name })
        throw ingestError('zip_member_unreadable', { member: m.name, cause })
      }
    }
  } finally {
    zip.close()
  }
}
