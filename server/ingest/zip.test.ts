import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import iconv from 'iconv-lite'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Readable, type Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DEFAULT_ZIP_LIMITS, type ZipLimits, createSizeGuard, extractShapefiles } from './zip'
import {
  expectIngestError, makeTempDir, parcelCollection, removeTempDirs, shapefileEntries, writeRawZip, writeShapefile, zipCli,
} from '../test/ingest-helpers'

afterAll(removeTempDirs)

// Point os.tmpdir() at a private dir so we can prove that every exit path leaves nothing behind.
let privateTmp: string
let savedTmp: string | undefined
beforeEach(() => {
  savedTmp = process.env.TMPDIR
  privateTmp = makeTempDir('onemap-zip-tmp-')
  process.env.TMPDIR = privateTmp
})
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
})
/** Dirs the code under test left; the tests' own work dirs (makeTempDir) do not count. */
const leftovers = () => readdirSync(privateTmp).filter((n) => !n.startsWith('onemap-ingest-test-'))

const LIMITS: ZipLimits = { ...DEFAULT_ZIP_LIMITS }

/** A GDAL shapefile in a work dir (outside the private tmp) and its parts. */
function gdalShapefile(): string {
  const work = makeTempDir()
  return writeShapefile(work, parcelCollection(), { epsg: 4546 })
}

describe('extractShapefiles: what should work', () => {
  it('finds a set in a Chinese-named folder (zip CLI), writes generated names, and cleans up', async () => {
    const shp = gdalShapefile()
    const root = dirname(shp)
    mkdirSync(join(root, '数据'))
    for (const ext of ['shp', 'shx', 'dbf', 'prj', 'cpg']) renameSync(join(root, `parcels.${ext}`), join(root, '数据', `宗地.${ext}`))
    const zip = zipCli(join(root, 'upload.zip'), root, ['-r', '数据'])

    const out = await extractShapefiles(zip, LIMITS, 'upload.zip')
    expect(out.sets).toHaveLength(1)
    const [set] = out.sets
    expect(set.name).toBe('数据/宗地')
    expect(set.members).toEqual({ shp: '数据/宗地.shp', shx: '数据/宗地.shx', dbf: '数据/宗地.dbf', prj: '数据/宗地.prj', cpg: '数据/宗地.cpg' })
    expect(dirname(set.shp)).toBe(out.dir)
    expect(readdirSync(out.dir).sort()).toEqual(['set-0.cpg', 'set-0.dbf', 'set-0.prj', 'set-0.shp', 'set-0.shx'])
    expect(readFileSync(set.dbf)).toEqual(readFileSync(join(root, '数据', '宗地.dbf')))
    expect(out.dir.startsWith(privateTmp)).toBe(true)

    await out.cleanup()
    expect(existsSync(out.dir)).toBe(false)
    await out.cleanup() // a second call on another exit path is harmless
    expect(leftovers()).toEqual([])
  })

  it('groups parts case-insensitively and finds several sets in different folders', async () => {
    const shp = gdalShapefile()
    const entries = [
      ...shapefileEntries(shp, 'a/ZD').map((e, i) => (i === 0 ? { ...e, name: 'a/ZD.SHP' } : e)),
      ...shapefileEntries(shp, 'b/zd'),
      { name: 'readme.txt', data: Buffer.from('说明') },
      { name: 'a/', data: Buffer.alloc(0), method: 'store' as const },
    ]
    const zip = writeRawZip(join(makeTempDir(), 'two.zip'), entries)
    const out = await extractShapefiles(zip, LIMITS)
    expect(out.sets.map((s) => s.name)).toEqual(['a/ZD', 'b/zd'])
    expect(out.sets[0].members.shp).toBe('a/ZD.SHP')
    await out.cleanup()
  })

  it('decodes GBK member names written without the UTF-8 flag (Chinese Windows zip tools)', async () => {
    const shp = gdalShapefile()
    const entries = shapefileEntries(shp, 'x').map((e) => ({
      ...e, name: iconv.encode(`宗地/洛阳宗地.${String(e.name).split('.').pop()}`, 'gbk'),
    }))
    const out = await extractShapefiles(writeRawZip(join(makeTempDir(), 'gbk.zip'), entries), LIMITS)
    expect(out.sets[0].name).toBe('宗地/洛阳宗地')
    await out.cleanup()
  })

  it('ignores macOS resource forks', async () => {
    const shp = gdalShapefile()
    const entries = [...shapefileEntries(shp, 'p'), ...shapefileEntries(shp, '__MACOSX/._p'), { name: '._q.shp', data: Buffer.from('x') }]
    const out = await extractShapefiles(writeRawZip(join(makeTempDir(), 'mac.zip'), entries), LIMITS)
    expect(out.sets.map((s) => s.name)).toEqual(['p'])
    await out.cleanup()
  })
})

describe('extractShapefiles: refused uploads leave no temp dir', () => {
  afterEach(() => expect(leftovers()).toEqual([]))

  it.each([
    ['../../x.shp'], ['a/../../x.shp'], ['/etc/x.shp'], ['C:/x.shp'], ['..\\..\\x.shp'], ['ok/..\\..\\x.dbf'],
  ])('zip-slip name %j', async (name) => {
    const shp = gdalShapefile()
    const zip = writeRawZip(join(makeTempDir(), 'slip.zip'), [...shapefileEntries(shp, 'fine'), { name, data: Buffer.from('pwn') }])
    const e = await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_unsafe_path', name.replace(/\\/g, '/'), '..')
    expect(e.status).toBe(400)
  })

  it('an empty zip', async () => {
    const zip = writeRawZip(join(makeTempDir(), 'empty.zip'), [])
    await expectIngestError(extractShapefiles(zip, LIMITS, 'empty.zip'), 'zip_empty', 'empty.zip', '压缩包')
  })

  it('a zip of folders only', async () => {
    const zip = writeRawZip(join(makeTempDir(), 'dirs.zip'), [{ name: 'a/', data: Buffer.alloc(0), method: 'store' }])
    await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_empty')
  })

  it('a zip with no .shp', async () => {
    const shp = gdalShapefile()
    const zip = writeRawZip(join(makeTempDir(), 'noshp.zip'), shapefileEntries(shp, 'p', ['dbf', 'prj']))
    await expectIngestError(extractShapefiles(zip, LIMITS, 'noshp.zip'), 'zip_no_shapefile', 'noshp.zip', '.shp')
  })

  it.each([['shx'], ['dbf']])('a .shp without its .%s', async (missing) => {
    const shp = gdalShapefile()
    const parts = ['shp', 'shx', 'dbf', 'prj'].filter((p) => p !== missing)
    const zip = writeRawZip(join(makeTempDir(), 'part.zip'), shapefileEntries(shp, '宗地', parts))
    await expectIngestError(extractShapefiles(zip, LIMITS), 'shapefile_missing_part', '宗地.shp', `.${missing}`)
  })

  it('two members differing only in case', async () => {
    const shp = gdalShapefile()
    const entries = [...shapefileEntries(shp, 'p'), { name: 'P.DBF', data: readFileSync(shp.replace('.shp', '.dbf')) }]
    await expectIngestError(extractShapefiles(writeRawZip(join(makeTempDir(), 'dup.zip'), entries), LIMITS),
      'zip_duplicate_member', 'P.DBF', 'p.dbf')
  })

  it('not a zip at all', async () => {
    const path = join(makeTempDir(), 'fake.zip')
    writeFileSync(path, '这不是压缩包 / this is not a zip'.repeat(10))
    const e = await expectIngestError(extractShapefiles(path, LIMITS, 'fake.zip'), 'zip_corrupt', 'fake.zip')
    expect(e.status).toBe(400)
  })

  it('a zip cut in half', async () => {
    const shp = gdalShapefile()
    const zip = zipCli(join(makeTempDir(), 'cut.zip'), dirname(shp), ['parcels.shp', 'parcels.shx', 'parcels.dbf'])
    truncateSync(zip, Math.floor(readFileSync(zip).length / 2))
    await expectIngestError(extractShapefiles(zip, LIMITS, 'cut.zip'), 'zip_corrupt', 'cut.zip')
  })

  it('an encrypted member', async () => {
    const shp = gdalShapefile()
    const zip = zipCli(join(makeTempDir(), 'enc.zip'), dirname(shp), ['parcels.shp', 'parcels.shx', 'parcels.dbf'], ['-P', 'secret'])
    await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_encrypted', 'parcels.')
  })

  it('more entries than allowed', async () => {
    const shp = gdalShapefile()
    const zip = writeRawZip(join(makeTempDir(), 'many.zip'), shapefileEntries(shp, 'p'))
    const e = await expectIngestError(extractShapefiles(zip, { ...LIMITS, maxEntries: 3 }), 'zip_too_many_entries', '5', '3')
    expect(e.status).toBe(413)
  })

  it('more unpacked bytes than allowed (honest headers)', async () => {
    const shp = gdalShapefile()
    const zip = writeRawZip(join(makeTempDir(), 'big.zip'), shapefileEntries(shp, 'p'))
    const e = await expectIngestError(extractShapefiles(zip, { ...LIMITS, maxTotalBytes: 500 }), 'zip_too_large', '500')
    expect(e.status).toBe(413)
  })

  it('more unpacked bytes than allowed, hidden by headers that lie', async () => {
    const shp = gdalShapefile()
    const big = Buffer.alloc(3 * 1024 * 1024, 0x20)
    const entries = [...shapefileEntries(shp, 'p', ['shp', 'shx']), { name: 'p.dbf', data: big, declaredSize: 100 }]
    const zip = writeRawZip(join(makeTempDir(), 'liar.zip'), entries)
    const e = await expectIngestError(extractShapefiles(zip, { ...LIMITS, maxTotalBytes: 1024 * 1024, maxCompressionRatio: 1e9 }),
      'zip_size_mismatch', 'p.dbf', 'zip bomb')
    expect(e.status).toBe(413)
  })

  it('a zip bomb member (honest headers)', async () => {
    const shp = gdalShapefile()
    const bomb = Buffer.alloc(20 * 1024 * 1024) // 20 MiB of zeros deflates ~1000:1
    const zip = writeRawZip(join(makeTempDir(), 'bomb.zip'), [...shapefileEntries(shp, 'p', ['shp', 'shx']), { name: 'p.dbf', data: bomb }])
    const e = await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_ratio', 'p.dbf', '200:1')
    expect(e.status).toBe(413)
  })

  it('a zip bomb member whose header claims a small size: caught while inflating', async () => {
    const shp = gdalShapefile()
    const bomb = Buffer.alloc(20 * 1024 * 1024)
    const zip = writeRawZip(join(makeTempDir(), 'bomb2.zip'), [
      ...shapefileEntries(shp, 'p', ['shp', 'shx']), { name: 'p.dbf', data: bomb, declaredSize: 1000 },
    ])
    await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_size_mismatch', 'p.dbf', '压缩炸弹')
  })

  it('a member that inflates to fewer bytes than declared is damaged, not a bomb', async () => {
    const shp = gdalShapefile()
    const dbf = readFileSync(shp.replace('.shp', '.dbf'))
    const zip = writeRawZip(join(makeTempDir(), 'size.zip'), [
      ...shapefileEntries(shp, 'p', ['shp', 'shx']), { name: 'p.dbf', data: dbf, declaredSize: dbf.length + 10 },
    ])
    const e = await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_member_unreadable', 'p.dbf')
    expect(e.status).toBe(400)
  })

  it.each(['store', 'deflate'] as const)('a coordinate changed in a %s member after it was zipped: its CRC-32 no longer matches', async (method) => {
    const shp = gdalShapefile()
    const entries = shapefileEntries(shp, '宗地').map((e) => ({ ...e, method }))
    const zip = writeRawZip(join(makeTempDir(), 'crc.zip'), entries)
    if (method === 'store') {
      // One bit of the first point's easting (record 0 points start at byte 156 of the .shp), in
      // the zip as stored: nothing but the CRC-32 can tell.
      const bytes = readFileSync(zip)
      const shpData = entries.find((e) => e.name === '宗地.shp')!.data
      const at = bytes.indexOf(shpData.subarray(100, 200)) + 56 + 3
      expect(at).toBeGreaterThan(59)
      bytes[at] ^= 0x01
      writeFileSync(zip, bytes)
    } else {
      // The same change made before deflating, with the CRC-32 of the original left in the headers.
      const bad = Buffer.from(entries.find((e) => e.name === '宗地.shp')!.data)
      bad[156 + 3] ^= 0x01
      const original = writeRawZip(join(makeTempDir(), 'orig.zip'), entries)
      const forged = writeRawZip(join(makeTempDir(), 'forged.zip'), entries.map((e) => (e.name === '宗地.shp' ? { ...e, data: bad } : e)))
      writeFileSync(zip, withCrcsOf(readFileSync(forged), readFileSync(original)))
    }
    const e = await expectIngestError(extractShapefiles(zip, LIMITS), 'zip_crc_mismatch', '宗地.shp', 'CRC-32', '已损坏')
    expect(e.status).toBe(400)
  })
})

/** `zip` with the CRC-32 fields of `source` (same members, same order, same sizes) in its local and
 * central headers. */
function withCrcsOf(zip: Buffer, source: Buffer): Buffer {
  const out = Buffer.from(zip)
  for (const [sig, crcAt] of [[0x04034b50, 14], [0x02014b50, 16]] as const) {
    const find = (b: Buffer) => {
      const offsets: number[] = []
      for (let i = 0; i + 4 <= b.length; i++) if (b.readUInt32LE(i) === sig) offsets.push(i)
      return offsets
    }
    const mine = find(out)
    const theirs = find(source)
    mine.forEach((at, k) => out.writeUInt32LE(source.readUInt32LE(theirs[k]! + crcAt), at + crcAt))
  }
  return out
}

/** The second line of defence, on its own: it must not depend on any header. */
describe('createSizeGuard', () => {
  const pump = async (guard: Transform, bytes: number, chunk = 64 * 1024) => {
    const source = Readable.from((function* () {
      for (let sent = 0; sent < bytes; sent += chunk) yield Buffer.alloc(Math.min(chunk, bytes - sent))
    })())
    await pipeline(source, guard, new Writable({ write: (_c, _e, done) => done() }))
  }

  it('passes a member within its ratio and the budget', async () => {
    await pump(createSizeGuard('a.dbf', 100_000, { maxTotalBytes: 1e9, maxCompressionRatio: 100 }, { left: 1e9 }), 5e6)
  })

  it('stops a member once its inflated bytes exceed the ratio', async () => {
    await expectIngestError(pump(createSizeGuard('a.dbf', 10_000, { maxTotalBytes: 1e9, maxCompressionRatio: 100 }, { left: 1e9 }), 5e6),
      'zip_ratio', 'a.dbf')
  })

  it('stops when the budget shared by all members runs out', async () => {
    const budget = { left: 3e6 }
    const limits = { maxTotalBytes: 3e6, maxCompressionRatio: 1e9 }
    await pump(createSizeGuard('a.shp', 1e6, limits, budget), 2e6)
    await expectIngestError(pump(createSizeGuard('a.dbf', 1e6, limits, budget), 2e6), 'zip_too_large', 'a.dbf')
  })
})

describe('regressions', () => {
  it('a copy of the upload under a different name still extracts (names come from members, not the file)', async () => {
    const shp = gdalShapefile()
    const zip = zipCli(join(makeTempDir(), 'a.zip'), dirname(shp), ['parcels.shp', 'parcels.shx', 'parcels.dbf'])
    const copy = join(makeTempDir(), 'no-extension')
    copyFileSync(zip, copy)
    const out = await extractShapefiles(copy, LIMITS, 'a.zip')
    expect(out.sets.map((s) => basename(s.members.shp ?? ''))).toEqual(['parcels.shp'])
    await out.cleanup()
  })
})
