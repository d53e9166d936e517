import { readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { area } from '@turf/turf'
import type { Polygon } from 'geojson'
import proj4 from 'proj4'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { proj4Def } from './crs'
import { type ReadOptions, type SourceFeature, type UploadReader, openUpload, readFeatures } from './read-features'
import {
  PARCEL_ROWS, expectIngestError, fixturePlacer, gdalSrs, grid, makeTempDir, parcelCollection, removeTempDirs, run, shapefileEntries,
  square, writeJson, writeRawZip, writeShapefile, zipCli,
} from '../test/ingest-helpers'

afterAll(removeTempDirs)

// Private os.tmpdir() so each test can prove the reader left nothing behind.
let privateTmp: string
let savedTmp: string | undefined
beforeEach(() => {
  savedTmp = process.env.TMPDIR
  privateTmp = makeTempDir('onemap-read-tmp-')
  process.env.TMPDIR = privateTmp
})
afterEach(() => {
  expect(readdirSync(privateTmp).filter((n) => !n.startsWith('onemap-ingest-test-'))).toEqual([])
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
})

const PARCELS: ReadOptions = { layer: 'parcels' }

/** GDAL shapefile of PARCEL_ROWS in `epsg`, zipped by the zip CLI; `drop` removes parts first. */
function zippedShapefile(epsg: number, opts: { encoding?: string | null; drop?: string[]; rows?: Record<string, unknown>[] } = {}): string {
  const dir = makeTempDir()
  const shp = writeShapefile(dir, parcelCollection(opts.rows ?? PARCEL_ROWS), { epsg, encoding: opts.encoding })
  for (const ext of opts.drop ?? []) rmSync(shp.replace(/\.shp$/, `.${ext}`), { force: true })
  const parts = readdirSync(dir).filter((f) => f.startsWith('parcels.'))
  return zipCli(join(dir, 'upload.zip'), dir, parts)
}

async function readAll(path: string, options: ReadOptions): Promise<{ reader: UploadReader; features: SourceFeature[] }> {
  const reader = await openUpload(path, options)
  const features: SourceFeature[] = []
  try {
    for await (const f of reader.features()) features.push(f)
  } finally {
    await reader.close()
  }
  return { reader, features }
}

const ringOf = (f: SourceFeature) => (f.geometry as Polygon).coordinates[0]

describe('shapefile zips written by GDAL, one per CRS', () => {
  it.each([4546, 4547, 4525, 4526, 4490, 4326])('EPSG:%i: CRS from .prj, GBK from .cpg, values and shapes intact', async (epsg) => {
    const { reader, features } = await readAll(zippedShapefile(epsg), PARCELS)
    const d = reader.describe()
    expect(d.kind).toBe('shapefile')
    expect(d.featureCount).toBe(PARCEL_ROWS.length)
    const [src] = d.sources
    expect(src.crs).toMatchObject({ epsg, source: 'prj' })
    expect(src.encoding).toMatchObject({ encoding: 'gbk', source: 'cpg' })
    expect(src.fieldNames).toEqual(['宗地编号', '权利人', '用地面积', '土地用途'])
    expect(src.geometryType).toBe('Polygon')

    expect(features.map((f) => f.properties)).toEqual(PARCEL_ROWS.map((r) => ({ ...r })))
    expect(features.map((f) => f.index)).toEqual([0, 1, 2])
    expect(features.every((f) => f.problems.length === 0)).toBe(true)

    // Coordinates as GDAL projected them; checked against proj4 with our definition, which
    // also checks that definition independently of the .prj reader.
    const toSource = proj4(proj4Def(4326), proj4Def(epsg))
    const tol = epsg === 4490 || epsg === 4326 ? 1e-9 : 0.01
    parcelCollection().features.forEach((input, i) => {
      const expected = input.geometry.coordinates[0].map((p) => toSource.forward(p as [number, number]))
      const got = ringOf(features[i])
      // The shapefile ring may start elsewhere or turn the other way: compare as sets of corners.
      for (const p of expected) expect(got.some((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) < tol)).toBe(true)
    })
  })

  it('GK areas agree with turf’s spheroidal area of the lon/lat input within 0.1%', async () => {
    const { features } = await readAll(zippedShapefile(4546), PARCELS)
    parcelCollection().features.forEach((input, i) => {
      const ring = ringOf(features[i])
      let planar = 0
      for (let k = 0; k < ring.length - 1; k++) planar += ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1]
      expect(Math.abs(Math.abs(planar / 2) / area(input) - 1)).toBeLessThan(1e-3)
    })
  })
})

describe('encoding decisions on real files', () => {
  it('no .cpg and LDID 0x00: sniffs GBK, values still exact', async () => {
    const { reader, features } = await readAll(zippedShapefile(4546, { drop: ['cpg'] }), PARCELS)
    expect(reader.describe().sources[0].encoding).toMatchObject({ encoding: 'gbk', source: 'sniffed' })
    expect(features[2].properties['权利人']).toBe('洛阳镕晟新材料有限公司')
  })

  it('LDID/77 and no .cpg: GBK from the language driver byte', async () => {
    const { reader, features } = await readAll(zippedShapefile(4546, { encoding: 'LDID/77' }), PARCELS)
    expect(reader.describe().sources[0].encoding).toMatchObject({ encoding: 'gbk', source: 'ldid' })
    expect(features[0].properties['宗地编号']).toBe('410300-GX-001')
  })

  it('UTF-8 without .cpg: sniffed as UTF-8; names cut at 10 bytes lose only the half character', async () => {
    const { reader, features } = await readAll(zippedShapefile(4546, { encoding: 'UTF-8', drop: ['cpg'] }), PARCELS)
    const src = reader.describe().sources[0]
    expect(src.encoding).toMatchObject({ encoding: 'utf8', source: 'sniffed' })
    expect(src.fieldNames).toEqual(['宗地编', '权利人', '用地面', '土地用'])
    expect(features[1].properties['权利人']).toBe(PARCEL_ROWS[1].权利人)
  })

  it('the user’s encoding wins over the .cpg', async () => {
    const { reader } = await readAll(zippedShapefile(4546), { ...PARCELS, encodingOverride: 'GB18030' })
    expect(reader.describe().sources[0].encoding).toMatchObject({ encoding: 'gb18030', source: 'override' })
  })

  it('an encoding nobody knows is refused before anything is unpacked', async () => {
    await expectIngestError(openUpload(zippedShapefile(4546), { ...PARCELS, encodingOverride: 'EBCDIC-CN' }), 'encoding_unsupported', 'EBCDIC-CN')
  })
})

describe('CRS without a .prj', () => {
  it('zone-prefixed eastings (EPSG:4525 data) are inferred as 4525', async () => {
    const { reader } = await readAll(zippedShapefile(4525, { drop: ['prj'] }), PARCELS)
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4525, source: 'inferred' })
  })

  it('degrees are inferred as CGCS2000', async () => {
    const { reader } = await readAll(zippedShapefile(4490, { drop: ['prj'] }), PARCELS)
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4490, source: 'inferred' })
  })

  it('6-digit eastings need the city extent, and then get the one zone that puts them in the city (CM 111°E)', async () => {
    const zip = zippedShapefile(4546, { drop: ['prj'] })
    await expectIngestError(openUpload(zip, PARCELS), 'crs_unknown', '6 digits')
    const { reader } = await readAll(zip, { ...PARCELS, place: fixturePlacer() })
    const crs = reader.describe().sources[0].crs
    expect(crs).toMatchObject({ epsg: 4546, source: 'inferred' })
    expect(crs.reason).toMatch(/CM 111°E puts the data inside the city/)
  })

  it('a stated CRS wins', async () => {
    const { reader } = await readAll(zippedShapefile(4546, { drop: ['prj'] }), { ...PARCELS, crsOverride: 'EPSG:4546' })
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4546, source: 'override' })
  })
})

describe('CRS refusals', () => {
  it.each([[2383, 'Xian 1980'], [2435, 'Beijing 1954']])('EPSG:%i (%s) data is refused, naming the .prj', async (epsg, datum) => {
    const e = await expectIngestError(openUpload(zippedShapefile(epsg), PARCELS), 'crs_legacy_datum', datum, 'parcels.prj')
    expect(e.status).toBe(422)
  })

  it('Xian 1980 data is read when the user states the CRS and confirms it over the .prj', async () => {
    await expectIngestError(openUpload(zippedShapefile(2383), { ...PARCELS, crsOverride: 4547 }), 'crs_stated_conflict', 'EPSG:4547', 'Xian 1980')
    const { reader, features } = await readAll(zippedShapefile(2383), { ...PARCELS, crsOverride: 4547, confirmCrs: true })
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4547, source: 'override' })
    expect(features).toHaveLength(3)
  })

  it('a garbage .prj is refused naming it', async () => {
    const dir = makeTempDir()
    const shp = writeShapefile(dir, parcelCollection(), { epsg: 4546 })
    writeFileSync(shp.replace('.shp', '.prj'), 'this is not WKT')
    const zip = zipCli(join(dir, 'u.zip'), dir, ['parcels.shp', 'parcels.shx', 'parcels.dbf', 'parcels.prj'])
    await expectIngestError(openUpload(zip, PARCELS), 'crs_unparseable', 'parcels.prj')
  })

  it('a CM .prj over zone-prefixed eastings is refused as a mismatch', async () => {
    const dir = makeTempDir()
    const shp = writeShapefile(dir, parcelCollection(), { epsg: 4525 })
    writeFileSync(shp.replace('.shp', '.prj'), gdalSrs(4546, 'wkt_esri'))
    const zip = zipCli(join(dir, 'u.zip'), dir, ['parcels.shp', 'parcels.shx', 'parcels.dbf', 'parcels.prj'])
    await expectIngestError(openUpload(zip, PARCELS), 'crs_coordinates_mismatch', 'EPSG:4546', 'eastings')
  })
})

describe('broken shapefiles', () => {
  function gdalDir(rows: Record<string, unknown>[] = [...PARCEL_ROWS]): { dir: string; shp: string } {
    const dir = makeTempDir()
    return { dir, shp: writeShapefile(dir, parcelCollection(rows), { epsg: 4546 }) }
  }
  const zipParts = (dir: string) =>
    zipCli(join(dir, 'u.zip'), dir, readdirSync(dir).filter((f) => f.startsWith('parcels.')))

  it('a truncated .shp', async () => {
    const { dir, shp } = gdalDir()
    truncateSync(shp, readFileSync(shp).length - 20)
    const e = await expectIngestError(openUpload(zipParts(dir), PARCELS), 'shp_truncated', 'parcels.shp')
    expect(e.status).toBe(422)
  })

  it('a .shp truncated with its header length patched to match', async () => {
    const { dir, shp } = gdalDir()
    const bytes = readFileSync(shp).subarray(0, readFileSync(shp).length - 20)
    bytes.writeInt32BE(bytes.length / 2, 24)
    writeFileSync(shp, bytes)
    await expectIngestError(openUpload(zipParts(dir), PARCELS), 'shp_truncated', 'parcels.shp')
  })

  it('a .dbf with the wrong record count', async () => {
    const { dir, shp } = gdalDir()
    const dbf = shp.replace('.shp', '.dbf')
    const bytes = readFileSync(dbf)
    bytes.writeUInt32LE(2, 4)
    writeFileSync(dbf, bytes)
    await expectIngestError(openUpload(zipParts(dir), PARCELS), 'dbf_record_count', 'parcels.dbf', 'holds 3')
  })

  it('a .dbf from another shapefile (3 shapes, 2 records)', async () => {
    const { dir, shp } = gdalDir()
    const other = gdalDir(PARCEL_ROWS.slice(0, 2).map((r) => ({ ...r })))
    writeFileSync(shp.replace('.shp', '.dbf'), readFileSync(other.shp.replace('.shp', '.dbf')))
    await expectIngestError(openUpload(zipParts(dir), PARCELS), 'shapefile_count_mismatch', 'parcels.shp', '3', '2')
  })

  it.each([['shx'], ['dbf']])('a missing .%s', async (ext) => {
    const { dir, shp } = gdalDir()
    rmSync(shp.replace('.shp', `.${ext}`))
    await expectIngestError(openUpload(zipParts(dir), PARCELS), 'shapefile_missing_part', `.${ext}`)
  })

  it('points for the parcels layer', async () => {
    const dir = makeTempDir()
    const points = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { ZDBH: 'a' }, geometry: { type: 'Point', coordinates: [112.4, 34.6] } }] }
    const src = writeJson(join(dir, 'p.geojson'), points)
    run('ogr2ogr', ['-f', 'ESRI Shapefile', join(dir, 'parcels.shp'), src])
    await expectIngestError(openUpload(zipParts(dir), PARCELS), 'shp_not_polygon', 'Point', 'parcels')
  })

  it('a NaN coordinate in one record: that feature gets a problem, the others are read', async () => {
    const { dir, shp } = gdalDir()
    const bytes = readFileSync(shp)
    // First record: 100-byte file header, 8-byte record header, then type(4) bbox(32) counts(8) parts(4) → first point.
    bytes.writeDoubleLE(Number.NaN, 100 + 8 + 4 + 32 + 8 + 4)
    writeFileSync(shp, bytes)
    const { features } = await readAll(zipParts(dir), PARCELS)
    expect(features).toHaveLength(3)
    expect(features[0].geometry).toBeNull()
    expect(features[0].problems.map((p) => p.code)).toEqual(['geometry_nonfinite'])
    expect(features[0].properties['宗地编号']).toBe('410300-GX-001')
    expect(features[1].problems).toEqual([])
  })

  it('a record marked deleted in the .dbf is skipped with its shape', async () => {
    const { dir, shp } = gdalDir()
    const dbf = shp.replace('.shp', '.dbf')
    const bytes = readFileSync(dbf)
    bytes[bytes.readUInt16LE(8)] = 0x2a
    writeFileSync(dbf, bytes)
    const { features } = await readAll(zipParts(dir), PARCELS)
    expect(features.map((f) => [f.index, f.sourceIndex, f.properties['宗地编号']])).toEqual([
      [0, 1, '410300-GX-002'], [1, 2, '410300-GX-003'],
    ])
  })
})

describe('several shapefiles in one zip, and streaming', () => {
  it('reads each set with its own decisions, in order, indexes running on', async () => {
    const a = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const b = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4525, encoding: 'UTF-8' })
    const zip = writeRawZip(join(makeTempDir(), 'two.zip'), [...shapefileEntries(a, '东区/宗地'), ...shapefileEntries(b, '西区/宗地')])
    const { reader, features } = await readAll(zip, PARCELS)
    const d = reader.describe()
    expect(d.sources.map((s) => [s.name, s.crs.epsg, s.encoding?.encoding])).toEqual([
      ['东区/宗地', 4546, 'gbk'], ['西区/宗地', 4525, 'utf8'],
    ])
    expect(d.featureCount).toBe(6)
    expect(features.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(features.map((f) => f.source)).toEqual(['东区/宗地', '东区/宗地', '东区/宗地', '西区/宗地', '西区/宗地', '西区/宗地'])
  })

  it('streams 5000 features with records and shapes paired', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ 宗地编号: `Z${i}`, 权利人: `企业${i}` }))
    const dir = makeTempDir()
    writeShapefile(dir, parcelCollection(rows, grid), { epsg: 4546 })
    const zip = zipCli(join(dir, 'u.zip'), dir, readdirSync(dir).filter((f) => f.startsWith('parcels.')))
    const { features } = await readAll(zip, PARCELS)
    expect(features).toHaveLength(5000)
    // Pairing is right if each record's code names the square its shape actually is.
    const toGk = proj4(proj4Def(4326), proj4Def(4546))
    for (const f of features) {
      const i = Number(String(f.properties['宗地编号']).slice(1))
      const [x, y] = toGk.forward(grid(i))
      expect(ringOf(f).some((q) => Math.hypot(q[0] - x, q[1] - y) < 0.01), `Z${i}`).toBe(true)
    }
    expect(new Set(features.map((f) => f.properties['宗地编号'])).size).toBe(5000)
  })

  it('readFeatures cleans up when the consumer stops early', async () => {
    let n = 0
    for await (const f of readFeatures(zippedShapefile(4546), PARCELS)) {
      n += f.index >= 0 ? 1 : 0
      break
    }
    expect(n).toBe(1)
    // afterEach asserts the temp dir is gone
  })
})

describe('GeoJSON', () => {
  const file = (name: string, value: unknown) => writeJson(join(makeTempDir(), name), value)
  const text = (name: string, body: string) => {
    const path = join(makeTempDir(), name)
    writeFileSync(path, body)
    return path
  }

  it('without "crs" it is WGS 84 (RFC 7946), with properties as written', async () => {
    const { reader, features } = await readAll(file('p.geojson', parcelCollection()), PARCELS)
    const d = reader.describe()
    expect(d.kind).toBe('geojson')
    expect(d.sources[0]).toMatchObject({ encoding: null, crs: { epsg: 4326, source: 'rfc7946' }, featureCount: 3 })
    expect(d.sources[0].fieldNames).toEqual(['宗地编号', '权利人', '用地面积', '土地用途'])
    expect(features.map((f) => f.properties)).toEqual(PARCEL_ROWS.map((r) => ({ ...r })))
    expect(features[0].geometry).toEqual(square(112.4, 34.6))
  })

  it('honours the legacy "crs" member GDAL writes for a GK file', async () => {
    const dir = makeTempDir()
    const src = writeJson(join(dir, 'src.geojson'), parcelCollection())
    run('ogr2ogr', ['-f', 'GeoJSON', '-s_srs', 'EPSG:4326', '-t_srs', 'EPSG:4546', join(dir, 'gk.geojson'), src])
    expect(JSON.parse(readFileSync(join(dir, 'gk.geojson'), 'utf8')).crs.properties.name).toBe('urn:ogc:def:crs:EPSG::4546')
    const { reader, features } = await readAll(join(dir, 'gk.geojson'), PARCELS)
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4546, source: 'geojson-crs' })
    expect(features[1].properties['权利人']).toBe(PARCEL_ROWS[1].权利人)
  })

  it('honours "crs": EPSG:4490', async () => {
    const doc = { ...parcelCollection(), crs: { type: 'name', properties: { name: 'EPSG:4490' } } }
    const { reader } = await readAll(file('p.json', doc), PARCELS)
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4490, source: 'geojson-crs' })
  })

  it('refuses "crs" naming Xian 1980', async () => {
    const doc = { ...parcelCollection(), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2383' } } }
    await expectIngestError(openUpload(file('p.geojson', doc), PARCELS), 'crs_legacy_datum', 'Xian 1980', 'p.geojson')
  })

  it('infers a GK zone when a "crs"-less file holds zone-prefixed metres', async () => {
    const toZone = proj4(proj4Def(4326), proj4Def(4525))
    const fc = parcelCollection()
    for (const f of fc.features) f.geometry.coordinates = f.geometry.coordinates.map((r) => r.map((p) => toZone.forward(p as [number, number])))
    const { reader } = await readAll(file('gk.geojson', fc), PARCELS)
    expect(reader.describe().sources[0].crs).toMatchObject({ epsg: 4525, source: 'inferred' })
  })

  it('"\\u0000" and lone surrogate escapes in names and values are mended (␀, U+FFFD), pairs kept: PostgreSQL stores neither', async () => {
    const rows = [
      { 宗地编号: 'N-1', 权利人: 'a\u0000b', 'col\u0000': 'x', 备注: 'lone \ud800 high', 'k\udc00': 'lone low \udc00', 图: '𝌆 a pair' },
    ]
    const body = JSON.stringify(parcelCollection(rows))
    expect(body).toContain('\\ud800')
    const { reader, features } = await readAll(text('escapes.geojson', body), PARCELS)
    expect(reader.describe().sources[0].fieldNames).toEqual(['宗地编号', '权利人', 'col\u2400', '备注', 'k\ufffd', '图'])
    expect(features[0].properties).toEqual({
      宗地编号: 'N-1', 权利人: 'a\u2400b', 'col\u2400': 'x', 备注: 'lone \ufffd high', 'k\ufffd': 'lone low \ufffd', 图: '𝌆 a pair',
    })
  })

  it('invalid JSON', async () => {
    const e = await expectIngestError(openUpload(text('bad.geojson', '{"type": "FeatureCollection", "features": [}'), PARCELS),
      'geojson_invalid_json', 'bad.geojson')
    expect(e.status).toBe(400)
  })

  it('NaN written into the coordinates', async () => {
    const body = JSON.stringify(parcelCollection()).replaceAll('112.4,', 'NaN,')
    await expectIngestError(openUpload(text('nan.geojson', body), PARCELS), 'geojson_nonfinite', 'nan.geojson', 'NaN')
  })

  it('a number too large for a double (1e400 parses as Infinity)', async () => {
    const body = JSON.stringify(parcelCollection()).replaceAll('112.4,', '1e400,')
    await expectIngestError(openUpload(text('inf.geojson', body), PARCELS), 'geojson_nonfinite', 'feature 1')
  })

  it('huge coordinates', async () => {
    const fc = parcelCollection()
    fc.features[2].geometry = square(1e12, 34.6)
    await expectIngestError(openUpload(file('huge.geojson', fc), PARCELS), 'geojson_coordinate_range', 'feature 3')
  })

  it('one feature far outside the CRS range of the others', async () => {
    const fc = parcelCollection()
    fc.features[1].geometry = square(636000, 3830000)
    await expectIngestError(openUpload(file('mixed.geojson', fc), PARCELS), 'crs_unknown', 'mixed.geojson')
  })

  it('a FeatureCollection of Points for the parcels layer', async () => {
    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [112.4, 34.6] } }] }
    const e = await expectIngestError(openUpload(file('pts.geojson', fc), PARCELS), 'geojson_geometry_type', 'Point', 'parcels', 'feature 1')
    expect(e.status).toBe(422)
  })

  it('deeply nested GeometryCollections are refused without recursing into them', async () => {
    // Written as text: JSON.stringify itself would overflow the stack on this depth.
    let g = JSON.stringify(square(112.4, 34.6))
    for (let i = 0; i < 100_000; i++) g = `{"type":"GeometryCollection","geometries":[${g}]}`
    const path = text('deep.geojson', `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":${g}}]}`)
    await expectIngestError(openUpload(path, PARCELS), 'geojson_geometry_type', 'GeometryCollection')
  })

  it.each([
    ['a bare geometry', square(112.4, 34.6), 'Polygon'],
    ['an array', [1, 2], 'array'],
    ['a FeatureCollection without features', { type: 'FeatureCollection' }, 'features'],
  ])('%s is the wrong type', async (_what, doc, named) => {
    await expectIngestError(openUpload(file('w.geojson', doc), PARCELS), 'geojson_wrong_type', named)
  })

  it('an unclosed ring is invalid GeoJSON, naming the feature', async () => {
    const fc = parcelCollection()
    fc.features[1].geometry.coordinates[0].pop()
    await expectIngestError(openUpload(file('open.geojson', fc), PARCELS), 'geojson_invalid', 'feature 2', 'first and last')
  })

  it('an empty ring does not crash the validator', async () => {
    const fc = parcelCollection()
    fc.features[0].geometry.coordinates = [[]]
    await expectIngestError(openUpload(file('empty.geojson', fc), PARCELS), 'geojson_invalid', 'feature 1')
  })

  it('a null geometry is a per-feature problem', async () => {
    const fc = parcelCollection() as unknown as { features: { geometry: unknown }[] }
    fc.features[0].geometry = null
    const { features } = await readAll(file('null.geojson', fc), PARCELS)
    expect(features[0]).toMatchObject({ geometry: null, problems: [{ code: 'geometry_null' }] })
    expect(features[1].problems).toEqual([])
  })

  it('a file over the size limit is refused with 413 (parsed whole, not streamed)', async () => {
    const e = await expectIngestError(openUpload(file('big.geojson', parcelCollection()), { ...PARCELS, limits: { maxGeoJsonBytes: 100 } }),
      'geojson_too_large', 'big.geojson', 'shapefile')
    expect(e.status).toBe(413)
  })
})

describe('kind detection', () => {
  it('a zip is a zip whatever its name; the upload name is used in messages', async () => {
    const zip = zippedShapefile(4546)
    const renamed = join(dirname(zip), 'upload-123')
    writeFileSync(renamed, readFileSync(zip))
    const { reader } = await readAll(renamed, { ...PARCELS, fileName: '宗地.zip' })
    expect(reader.describe().file).toBe('宗地.zip')
  })

  it('a named .zip that is not one', async () => {
    const path = join(makeTempDir(), 'x.zip')
    writeFileSync(path, 'hello')
    await expectIngestError(openUpload(path, PARCELS), 'zip_corrupt', 'x.zip')
  })

  it('something else entirely', async () => {
    const path = join(makeTempDir(), 'notes.txt')
    writeFileSync(path, 'hello')
    await expectIngestError(openUpload(path, PARCELS), 'upload_unknown_kind', 'notes.txt')
  })

  it('an empty zip through the reader', async () => {
    await expectIngestError(openUpload(writeRawZip(join(makeTempDir(), 'e.zip'), []), PARCELS), 'zip_empty', 'e.zip')
  })
})
