/** Issue 3 "Done when", second half: broken inputs through the HTTP API. Each gets a 4xx whose
 * message names the problem — at the upload when the file as a whole is unusable, else at the
 * commit, which the report's errors (or unaccepted warnings) refuse — and leaves every live
 * table as it was (row counts and md5 checksums of all rows, event log included). */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { FeatureCollection } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import {
  type RawZipEntry, gdalSrs, makeTempDir, run, parcelCollection, removeTempDirs, shapefileEntries, square, writeJson, writeRawZip, writeShapefile,
} from '../../test/ingest-helpers'
import { LUOLONG, expectUnchanged, liveFingerprint, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

let t: TestApp
let auth: { authorization: string }
let dir: string
let n = 0

// Small limits so that the size refusals need no big files (all are settings: server/config.ts).
const ENV = { ONEMAP_MAX_UPLOAD_MB: '1', ONEMAP_MAX_UNCOMPRESSED_MB: '3' }

// Received files and unpacked zips go under this worker's own temp dir, so that the last test
// can see that every exit path removed them.
const TMP = mkdtempSync(join(tmpdir(), 'onemap-broken-tmp-'))

beforeAll(async () => {
  process.env.TMPDIR = TMP
  t = await createTestApp({ ...ENV, ONEMAP_UPLOAD_MAX_ZIP_ENTRIES: '40' })
  await seedPlaces(t.app.db)
  auth = await t.loginAs('analyst', [LUOLONG])
  dir = makeTempDir('onemap-upload-broken-')
  // Something in the live tables for the checksums to guard, and for code_taken below.
  await t.app.db.none(`INSERT INTO county (code, name) VALUES ('410305', '涧西区') ON CONFLICT DO NOTHING`)
  await t.app.db.none(`INSERT INTO parcel (code, county_code, land_use, geom)
    VALUES ('LIVE-1', $1, '工业用地', ST_Multi(ST_MakeEnvelope(112.55, 34.70, 112.551, 34.701, 4490))),
           ('JX-TAKEN', '410305', '工业用地', ST_Multi(ST_MakeEnvelope(112.30, 34.60, 112.301, 34.601, 4490)))`, [LUOLONG])
})

afterAll(async () => {
  await t?.close()
  removeTempDirs()
  rmSync(TMP, { recursive: true, force: true })
})

const path = (name: string) => join(dir, `${n++}-${name}`)

/** A GBK shapefile of the three survey rows written by GDAL in EPSG:4546; its path. */
function shapefile(fc: FeatureCollection = parcelCollection(), epsg = 4546): string {
  const d = makeTempDir('onemap-upload-broken-shp-')
  return writeShapefile(d, fc, { epsg, name: 'zd' })
}

const zipOf = (shp: string, parts?: string[], extra: RawZipEntry[] = []) =>
  writeRawZip(path('upload.zip'), [...shapefileEntries(shp, 'zd', parts), ...extra])

/** Patch bytes of a shapefile part (record 0 starts at byte 100; its points at 156 for one part). */
function patch(file: string, at: number, write: (b: Buffer) => void) {
  const b = readFileSync(file)
  write(b.subarray(at))
  writeFileSync(file, b)
}

const geojson = (doc: unknown, name = 'upload.geojson') => writeJson(path(name), doc)
const text = (data: string | Buffer, name: string) => {
  const p = path(name)
  writeFileSync(p, data)
  return p
}

interface Case {
  name: string
  /** The file to upload (a path) and the form fields. */
  make: () => { file?: string; fields?: Record<string, string> }
  /** Refused at the upload with this status, or at the commit (after a 201) with this status. */
  at: 'upload' | 'commit'
  status: number
  message: RegExp
}

const POINTS: FeatureCollection = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { 宗地编号: 'P1' }, geometry: { type: 'Point', coordinates: [112.4, 34.6] } }],
}
const fcWith = (props: Record<string, unknown>[], geometries?: unknown[]): FeatureCollection => ({
  type: 'FeatureCollection',
  features: props.map((p, i) => ({
    type: 'Feature', properties: p,
    geometry: (geometries?.[i] ?? square(112.45 + i * 0.003, 34.62)) as never,
  })),
})

const CASES: Case[] = [
  // ---- the file as a whole
  { name: 'a truncated .shp', at: 'upload', status: 422, message: /zd\.shp.*(truncated|不完整)/, make: () => {
    const shp = shapefile()
    writeFileSync(shp, readFileSync(shp).subarray(0, 200))
    return { file: zipOf(shp) }
  } },
  { name: 'a .dbf whose header claims more records than it holds', at: 'upload', status: 422, message: /zd\.dbf/, make: () => {
    const shp = shapefile()
    patch(shp.replace('.shp', '.dbf'), 4, (b) => b.writeUInt32LE(10))
    return { file: zipOf(shp) }
  } },
  { name: 'a .dbf with fewer records than shapes', at: 'upload', status: 422, message: /3 shapes but 2/, make: () => {
    const shp = shapefile()
    const dbf = shp.replace('.shp', '.dbf')
    const b = readFileSync(dbf)
    const headerLen = b.readUInt16LE(8)
    const recLen = b.readUInt16LE(10)
    b.writeUInt32LE(2, 4)
    writeFileSync(dbf, Buffer.concat([b.subarray(0, headerLen + 2 * recLen), Buffer.from([0x1a])]))
    return { file: zipOf(shp) }
  } },
  { name: 'a missing .shx', at: 'upload', status: 422, message: /\.shx/, make: () => ({ file: zipOf(shapefile(), ['shp', 'dbf', 'prj', 'cpg']) }) },
  { name: 'a missing .dbf', at: 'upload', status: 422, message: /\.dbf/, make: () => ({ file: zipOf(shapefile(), ['shp', 'shx', 'prj', 'cpg']) }) },
  { name: 'a zip-slip member name (../)', at: 'upload', status: 400, message: /\.\.\/evil|climbs out/, make: () => ({
    file: zipOf(shapefile(), undefined, [{ name: '../evil.txt', data: Buffer.from('x') }]),
  }) },
  { name: 'an absolute member name', at: 'upload', status: 400, message: /\/etc\/cron\.d\/x|absolute/, make: () => ({
    file: zipOf(shapefile(), undefined, [{ name: '/etc/cron.d/x', data: Buffer.from('x') }]),
  }) },
  { name: 'a zip bomb member (2.5 MB of zeros)', at: 'upload', status: 413, message: /zip bomb|压缩炸弹/, make: () => ({
    file: zipOf(shapefile(), ['shp', 'shx', 'prj'], [{ name: 'zd.dbf', data: Buffer.alloc(2.5 * 1024 * 1024) }]),
  }) },
  { name: 'a zip bomb hidden by headers that lie about the size', at: 'upload', status: 413, message: /zip bomb|压缩炸弹/, make: () => ({
    file: zipOf(shapefile(), ['shp', 'shx', 'prj'], [{ name: 'zd.dbf', data: Buffer.alloc(2.5 * 1024 * 1024), declaredSize: 1000 }]),
  }) },
  { name: 'more unpacked bytes than ONEMAP_MAX_UNCOMPRESSED_MB', at: 'upload', status: 413, message: /unpacked size exceeds/, make: () => {
    // A 16 KB block of random hex repeated to 4 MB: about 110:1, under the bomb ratio of 200:1 (and
    // quick to deflate, unlike random 0/1 digits), but more unpacked bytes than the 3 MB allowed.
    const block = Buffer.from(randomBytes(8 * 1024).toString('hex'))
    const data = Buffer.concat(Array.from({ length: 256 }, () => block))
    return { file: zipOf(shapefile(), ['shp', 'shx'], [{ name: 'zd.dbf', data }]) }
  } },
  { name: 'more zip entries than ONEMAP_UPLOAD_MAX_ZIP_ENTRIES', at: 'upload', status: 413, message: /entries/, make: () => ({
    file: zipOf(shapefile(), undefined, Array.from({ length: 50 }, (_, i) => ({ name: `junk/${i}.txt`, data: Buffer.from('x') }))),
  }) },
  { name: 'an upload larger than ONEMAP_MAX_UPLOAD_MB', at: 'upload', status: 413, message: /larger than the limit of 1 MB/, make: () => ({
    file: text(Buffer.alloc(1.5 * 1024 * 1024, 7), 'big.zip'),
  }) },
  { name: 'an empty zip', at: 'upload', status: 422, message: /empty/, make: () => ({ file: writeRawZip(path('empty.zip'), []) }) },
  { name: 'a zip cut in half', at: 'upload', status: 400, message: /not a readable zip/, make: () => {
    const z = zipOf(shapefile())
    return { file: text(readFileSync(z).subarray(0, 300), 'half.zip') }
  } },
  { name: 'not a zip at all (.zip name)', at: 'upload', status: 400, message: /not a readable zip/, make: () => ({ file: text('hello, not a zip', 'fake.zip') }) },
  { name: 'a zip with no .shp', at: 'upload', status: 422, message: /no \.shp/, make: () => ({
    file: writeRawZip(path('noshp.zip'), [{ name: 'readme.txt', data: Buffer.from('说明') }]),
  }) },
  { name: 'two members differing only in case', at: 'upload', status: 422, message: /differ only in case/, make: () => {
    const shp = shapefile()
    return { file: zipOf(shp, undefined, [{ name: 'ZD.DBF', data: readFileSync(shp.replace('.shp', '.dbf')) }]) }
  } },
  { name: 'an encrypted member', at: 'upload', status: 422, message: /encrypted/, make: () => {
    const z = zipOf(shapefile(), ['shp', 'shx', 'dbf'])
    const b = readFileSync(z)
    // Set the encryption bit (general purpose flag bit 0) in every local and central header.
    for (let i = 0; i < b.length - 4; i++) {
      const sig = b.readUInt32LE(i)
      if (sig === 0x04034b50) b.writeUInt16LE(b.readUInt16LE(i + 6) | 1, i + 6)
      if (sig === 0x02014b50) b.writeUInt16LE(b.readUInt16LE(i + 8) | 1, i + 8)
    }
    return { file: text(b, 'enc.zip') }
  } },
  { name: 'a shapefile of points for the parcels layer', at: 'upload', status: 422, message: /Point.*polygons|needs polygons/, make: () => {
    const d = makeTempDir()
    const src = writeJson(join(d, 'pts.geojson'), POINTS)
    const shp = join(d, 'zd.shp')
    runOgr(['-f', 'ESRI Shapefile', '-lco', 'ENCODING=GBK', '-t_srs', 'EPSG:4546', shp, src])
    return { file: zipOf(shp) }
  } },
  { name: 'a shapefile of lines for the parcels layer', at: 'upload', status: 422, message: /polygons/, make: () => {
    const d = makeTempDir()
    const src = writeJson(join(d, 'l.geojson'), { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { 宗地编号: 'L1' }, geometry: { type: 'LineString', coordinates: [[112.4, 34.6], [112.41, 34.61]] } }] })
    const shp = join(d, 'zd.shp')
    runOgr(['-f', 'ESRI Shapefile', '-lco', 'ENCODING=GBK', '-t_srs', 'EPSG:4546', shp, src])
    return { file: zipOf(shp) }
  } },
  { name: 'a garbage .prj', at: 'upload', status: 422, message: /zd\.prj/, make: () => {
    const shp = shapefile()
    writeFileSync(shp.replace('.shp', '.prj'), 'PROJCS["oops", GEOGCS[[[ this is not WKT')
    return { file: zipOf(shp) }
  } },
  { name: 'a Xian 1980 .prj (no public datum shift)', at: 'upload', status: 422, message: /Xian 1980|西安/, make: () => {
    const shp = shapefile()
    writeFileSync(shp.replace('.shp', '.prj'), gdalSrs(2383, 'wkt_esri'))
    return { file: zipOf(shp) }
  } },
  { name: 'a Beijing 1954 .prj', at: 'upload', status: 422, message: /Beijing 1954|北京/, make: () => {
    const shp = shapefile()
    writeFileSync(shp.replace('.shp', '.prj'), gdalSrs(2435, 'wkt1'))
    return { file: zipOf(shp) }
  } },
  { name: 'a .prj that contradicts the coordinates (CM 111°E over zone-prefixed eastings)', at: 'upload', status: 422, message: /do not fit/, make: () => {
    const shp = shapefile(parcelCollection(), 4525)
    writeFileSync(shp.replace('.shp', '.prj'), gdalSrs(4546, 'wkt_esri'))
    return { file: zipOf(shp) }
  } },
  { name: 'a header bbox of NaN', at: 'upload', status: 422, message: /extent|范围/, make: () => {
    const shp = shapefile()
    patch(shp, 36, (b) => b.writeDoubleLE(NaN))
    return { file: zipOf(shp) }
  } },
  { name: 'invalid JSON', at: 'upload', status: 400, message: /not valid JSON/, make: () => ({ file: text('{"type": "FeatureCollection", "features": [', 'bad.geojson') }) },
  { name: 'a GeoJSON of points for a polygon layer', at: 'upload', status: 422, message: /Point.*Polygon/, make: () => ({ file: geojson(POINTS) }) },
  { name: 'a GeoJSON of lines', at: 'upload', status: 422, message: /LineString/, make: () => ({
    file: geojson({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[112.4, 34.6], [112.5, 34.7]] } }] }),
  }) },
  { name: 'GeometryCollections nested 10 000 deep', at: 'upload', status: 422, message: /GeometryCollection/, make: () => {
    let g = JSON.stringify(square(112.4, 34.6))
    for (let i = 0; i < 10_000; i++) g = `{"type":"GeometryCollection","geometries":[${g}]}`
    return { file: text(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":${g}}]}`, 'deep.geojson') }
  } },
  { name: 'a GeoJSON with NaN coordinates', at: 'upload', status: 422, message: /NaN/, make: () => ({
    file: text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"宗地编号":"N"},"geometry":{"type":"Polygon","coordinates":[[[NaN,34.6],[112.4,34.61],[112.41,34.61],[NaN,34.6]]]}}]}', 'nan.geojson'),
  }) },
  { name: 'a GeoJSON with huge coordinates', at: 'upload', status: 422, message: /out of range/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'H' }], [{ type: 'Polygon', coordinates: [[[1e200, 34.6], [112.4, 34.61], [112.41, 34.61], [1e200, 34.6]]] }])),
  }) },
  { name: 'a GeoJSON ring that is not closed', at: 'upload', status: 422, message: /feature 1.*not valid GeoJSON/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'U' }], [{ type: 'Polygon', coordinates: [[[112.4, 34.6], [112.41, 34.6], [112.41, 34.61], [112.4, 34.61]]] }])),
  }) },
  { name: 'a GeoJSON array instead of an object', at: 'upload', status: 422, message: /array/, make: () => ({ file: geojson([1, 2, 3]) }) },
  { name: 'a FeatureCollection without features', at: 'upload', status: 422, message: /features/, make: () => ({ file: geojson({ type: 'FeatureCollection' }) }) },
  { name: 'a file of unknown kind', at: 'upload', status: 400, message: /cannot tell what/, make: () => ({ file: text('just some words', 'notes.txt') }) },

  // ---- the form
  { name: 'an unknown layer', at: 'upload', status: 400, message: /unknown layer roads/, make: () => ({ file: geojson(parcelCollection()), fields: { layer: 'roads' } }) },
  { name: 'no layer field', at: 'upload', status: 400, message: /"layer" is missing/, make: () => ({ file: geojson(parcelCollection()), fields: {} }) },
  { name: 'no file', at: 'upload', status: 400, message: /"file".*missing/, make: () => ({ fields: { layer: 'parcels' } }) },
  { name: 'an unknown encoding', at: 'upload', status: 400, message: /unknown text encoding klingon/, make: () => ({ file: zipOf(shapefile()), fields: { layer: 'parcels', encoding: 'klingon' } }) },
  { name: 'an unsupported CRS stated', at: 'upload', status: 400, message: /the stated coordinate system "EPSG:2000" is not supported/, make: () => ({ file: zipOf(shapefile()), fields: { layer: 'parcels', crs: 'EPSG:2000' } }) },
  { name: 'a stated CRS that the coordinates contradict', at: 'upload', status: 422, message: /do not fit/, make: () => ({ file: geojson(parcelCollection()), fields: { layer: 'parcels', crs: 'EPSG:4546' } }) },
  { name: 'a mapping that is not JSON', at: 'upload', status: 400, message: /"mapping" must be a JSON object/, make: () => ({ file: geojson(parcelCollection()), fields: { layer: 'parcels', mapping: '{code:' } }) },
  { name: 'a mapping naming a column the file lacks', at: 'upload', status: 400, message: /no field 编号XX/, make: () => ({ file: geojson(parcelCollection()), fields: { layer: 'parcels', mapping: '{"code":"编号XX"}' } }) },
  { name: 'a mapping naming a field the layer lacks', at: 'upload', status: 400, message: /has no field colour/, make: () => ({ file: geojson(parcelCollection()), fields: { layer: 'parcels', mapping: '{"code":"宗地编号","colour":"权利人"}' } }) },
  { name: 'a GBK shapefile whose .cpg says UTF-8 (the field names garbled)', at: 'upload', status: 422,
    message: /the required fields code of the parcels layer find no column, most likely a wrong text encoding: zd was read as utf8 \(.*cpg.*\).*read as gbk they are 宗地编号、权利人/, make: () => {
      const shp = shapefile()
      writeFileSync(shp.replace(/\.shp$/, '.cpg'), 'UTF-8')
      return { file: zipOf(shp) }
    } },
  { name: 'no column for a required field (宗地编号)', at: 'upload', status: 422, message: /not mapped: code/, make: () => ({ file: geojson(fcWith([{ 名称: 'x' }])) }) },
  // GBK column names read as a stated cp1252, where reading them as GBK finds the code column: that encoding is named
  { name: 'a wrong encoding stated, which GBK would read right', at: 'upload', status: 422,
    message: /the required fields code of the parcels layer find no column, most likely a wrong text encoding: zd was read as windows-1252 \(.*as stated at upload\).*read as gbk they are 宗地编号、权利人.*State the encoding gbk/,
    make: () => ({ file: zipOf(shapefile()), fields: { layer: 'parcels', encoding: 'cp1252' } }) },
  // GBK column names read as cp1252, and no code column in any encoding: the message shows them as read and the encoding
  { name: 'a wrong encoding stated: the column names come out garbled', at: 'upload', status: 422,
    message: /not mapped: code\. The file's columns are .*Ø.* \(read as windows-1252: override\): if they look garbled, state the encoding/,
    make: () => ({ file: zipOf(shapefile(fcWith([{ 地块名称: '一号地块', 权利人: '张三' }]))), fields: { layer: 'parcels', encoding: 'cp1252' } }) },

  // ---- single features: staged and reported, then the commit is refused naming them
  { name: 'a NaN coordinate in a shapefile record', at: 'commit', status: 422, message: /#1.*NaN/, make: () => {
    const shp = shapefile()
    patch(shp, 156, (b) => b.writeDoubleLE(NaN))
    return { file: zipOf(shp) }
  } },
  { name: 'a huge coordinate in a shapefile record', at: 'commit', status: 422, message: /#1.*out of range/, make: () => {
    const shp = shapefile()
    patch(shp, 156, (b) => b.writeDoubleLE(1e200))
    return { file: zipOf(shp) }
  } },
  { name: 'a null shape', at: 'commit', status: 422, message: /#1.*empty \(null shape\)/, make: () => {
    const shp = shapefile()
    patch(shp, 108, (b) => b.writeInt32LE(0))
    return { file: zipOf(shp) }
  } },
  { name: 'a shapefile ring that is not closed', at: 'commit', status: 422, message: /#1.*not closed/, make: () => {
    const shp = shapefile()
    // The closing point (4 of 5) moved 10 m west: the ring no longer ends where it starts.
    patch(shp, 156 + 4 * 16, (b) => b.writeDoubleLE(b.readDoubleLE(0) - 10))
    return { file: zipOf(shp) }
  } },
  { name: 'a self-intersecting polygon (bow tie)', at: 'commit', status: 422, message: /#1.*Self-intersection/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'BOW' }], [{ type: 'Polygon', coordinates: [[[112.45, 34.62], [112.46, 34.63], [112.46, 34.62], [112.45, 34.63], [112.45, 34.62]]] }])),
  }) },
  { name: 'a polygon of zero area', at: 'commit', status: 422, message: /#1.*zero area/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'FLAT' }], [{ type: 'Polygon', coordinates: [[[112.45, 34.62], [112.46, 34.62], [112.47, 34.62], [112.45, 34.62]]] }])),
  }) },
  { name: 'a ring of two positions (shapefile)', at: 'commit', status: 422, message: /#1.*fewer than 4 points/, make: () => {
    const shp = shapefile()
    // Record 0 claims 2 points instead of 5: even closed (A, B, A) the ring bounds nothing.
    patch(shp, 148, (b) => b.writeInt32LE(2))
    return { file: zipOf(shp) }
  } },
  { name: 'duplicate codes in the file', at: 'commit', status: 422, message: /DUP.*more than once/, make: () => ({ file: geojson(fcWith([{ 宗地编号: 'DUP' }, { 宗地编号: 'DUP' }])) }) },
  { name: 'an empty code', at: 'commit', status: 422, message: /required field.*code.*empty|宗地编号/, make: () => ({ file: geojson(fcWith([{ 宗地编号: '' }])) }) },
  { name: 'a county outside the uploader’s scope', at: 'commit', status: 422, message: /410323 is outside your scope/, make: () => ({ file: geojson(fcWith([{ 宗地编号: 'XA-1', 行政区代码: '410323' }])) }) },
  { name: 'a county code that is not one of Luoyang’s', at: 'commit', status: 422, message: /410399 is not a county/, make: () => ({ file: geojson(fcWith([{ 宗地编号: 'Q-1', 行政区代码: '410399' }])) }) },
  { name: 'a county code that is not 6 digits', at: 'commit', status: 422, message: /4103X” is not 6 digits/, make: () => ({ file: geojson(fcWith([{ 宗地编号: 'Q-2', 行政区代码: '4103X' }])) }) },
  { name: 'a file wholly outside the city', at: 'upload', status: 422, message: /puts the data at 111\.200–111\.201°E, 34\.100–34\.101°N, \d+ km from the city and wholly outside it/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'FAR-1' }], [square(111.2, 34.1)])),
  }) },
  { name: 'one parcel of a file outside the city', at: 'commit', status: 422, message: /#2 FAR-2 .*outside the city \(wholly or in part\): at 110\.5/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'IN-1' }, { 宗地编号: 'FAR-2' }], [square(112.45, 34.615, 0.001), square(110.5, 34.1)])),
  }) },
  { name: 'a code held by a parcel of another county', at: 'commit', status: 422, message: /JX-TAKEN is used by a record outside your scope/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'JX-TAKEN' }])),
  }) },
  { name: 'a stated area 10% off the ellipsoidal area', at: 'commit', status: 422, message: /stated area 11000.*differs/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'AREA-1', 用地面积: 11000 }], [square(112.45, 34.62, 0.001)])),
  }) },
  { name: 'an overlap with an existing parcel', at: 'commit', status: 422, message: /overlaps the existing parcel LIVE-1/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'OVER-1' }], [square(112.5505, 34.7005, 0.001)])),
  }) },
  { name: 'a number field holding text', at: 'commit', status: 422, message: /“abc” is not a number/, make: () => ({ file: geojson(fcWith([{ 宗地编号: 'NUM-1', 用地面积: 'abc' }])) }) },
  // Committed as the parcel "[object Object]" before: the second feature is named, numbered from 1.
  { name: 'a code that is a JSON object', at: 'commit', status: 422, message: /#2 .*code: \{"a":1\} is an object, not text or a number/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'OBJ-1' }, { 宗地编号: { a: 1 } }])),
  }) },
  { name: 'an owner that is a list', at: 'commit', status: 422, message: /#1 OBJ-2 .*owner_name: \["张三","李四"\] is an array/, make: () => ({
    file: geojson(fcWith([{ 宗地编号: 'OBJ-2', 权利人: ['张三', '李四'] }])),
  }) },
  { name: 'a stored zip member with a corrupted coordinate (CRC-32)', at: 'upload', status: 400, message: /zd\.shp is damaged: its CRC-32/, make: () => {
    const shp = shapefile()
    const entries = shapefileEntries(shp, 'zd').map((e) => ({ ...e, method: 'store' as const }))
    const file = writeRawZip(path('crc.zip'), entries)
    const bytes = readFileSync(file)
    const at = bytes.indexOf(entries.find((e) => e.name === 'zd.shp')!.data.subarray(100, 200)) + 56 + 3
    bytes[at]! ^= 0x01
    writeFileSync(file, bytes)
    return { file }
  } },
]

const runOgr = (args: string[]) => run('ogr2ogr', args)

describe('broken inputs through the HTTP API', () => {
  it('has at least 40 of them', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40)
  })

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await liveFingerprint(t.app.db)
    const { file, fields = { layer: 'parcels' } } = c.make()
    const body = multipart(fields, file ? uploadFile(file) : undefined)
    const res = await t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
    if (c.at === 'upload') {
      expect(res.statusCode, res.body).toBe(c.status)
      expect(res.json().message).toMatch(c.message)
    } else {
      expect(res.statusCode, res.body).toBe(201)
      const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${res.json().id}/commit`, headers: auth })
      expect(commit.statusCode, commit.body).toBe(c.status)
      expect(commit.json().message).toMatch(c.message)
      const after = await t.app.inject({ method: 'GET', url: `/api/uploads/${res.json().id}`, headers: auth })
      expect(after.json().status).toBe('ready')
    }
    await expectUnchanged(t.app.db, before)
  })

  it('left no received file and no unpacked zip behind, whichever way each upload ended', () => {
    const left = readdirSync(TMP).filter((f) => f.startsWith('onemap-upload-') || f.startsWith('onemap-ingest-'))
    // The test's own inputs are under onemap-upload-broken-… and onemap-ingest-test-….
    expect(left.filter((f) => !f.startsWith('onemap-upload-broken') && !f.startsWith('onemap-ingest-test-'))).toEqual([])
  })
})

