/**
 * Test helpers for server/ingest: temp dirs under os.tmpdir(), real inputs written by GDAL
 * (a writer we did not write), zips by the `zip` CLI, and a minimal zip writer for the
 * hostile archives no honest tool produces (zip-slip names, lying size headers, GBK names).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateRawSync } from 'node:zlib'
import * as turf from '@turf/turf'
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import proj4 from 'proj4'
import { expect } from 'vitest'
import { proj4Def } from '../ingest/crs'
import type { Placer } from '../ingest/crs-decide'
import { IngestError, type IngestErrorCode } from '../ingest/errors'

const made: string[] = []

/** A fresh dir under os.tmpdir(); removeTempDirs() (in afterAll) deletes every one made. */
export function makeTempDir(prefix = 'onemap-ingest-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Run a command; on failure throw with its stderr so the test says why. */
export function run(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr ?? err.message}`)
  }
}

/** `gdalsrsinfo -o <format> EPSG:<code>` (format: wkt_esri, wkt1, wkt2, proj4). */
export const gdalSrs = (epsg: number, format: string): string =>
  run('gdalsrsinfo', ['-o', format, `EPSG:${epsg}`]).trim()

// ---------------------------------------------------------------------------------------------
// Data

/** Attribute values with characters that break naive decoders: GBK-only 镕, full-width （）. */
export const PARCEL_ROWS = [
  { 宗地编号: '410300-GX-001', 权利人: '洛阳栾川钼业集团股份有限公司', 用地面积: 12345.67, 土地用途: '工业用地' },
  { 宗地编号: '410300-GX-002', 权利人: '中信重工机械股份有限公司（洛阳）', 用地面积: 8000.5, 土地用途: '工业用地' },
  { 宗地编号: '410300-GX-003', 权利人: '洛阳镕晟新材料有限公司', 用地面积: 666.67, 土地用途: '仓储用地' },
] as const

/** A ~100 m square near Luoyang's industrial clusters (112.4°E, 34.6°N), lon/lat. */
export function square(lon: number, lat: number, size = 0.001): Polygon {
  return {
    type: 'Polygon',
    coordinates: [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
  }
}

/** Where the i-th parcel's south-west corner sits: a diagonal row by default. */
export type Placement = (i: number) => [number, number]
export const diagonal: Placement = (i) => [112.4 + i * 0.002, 34.6 + i * 0.001]
/** A 100-wide grid, for thousands of parcels that must stay inside one GK zone. */
export const grid: Placement = (i) => [112.4 + (i % 100) * 0.002, 34.6 + Math.floor(i / 100) * 0.002]

export function parcelCollection(
  rows: readonly Record<string, unknown>[] = PARCEL_ROWS,
  place: Placement = diagonal,
): FeatureCollection<Polygon> {
  const features: Feature<Polygon>[] = rows.map((properties, i) => ({
    type: 'Feature',
    properties: { ...properties },
    geometry: square(...place(i)),
  }))
  return { type: 'FeatureCollection', features }
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value))
  return path
}

export interface ShapefileOptions {
  epsg: number
  /** ogr2ogr -lco ENCODING=…; GBK unless told otherwise. null: no option at all. */
  encoding?: string | null
  /** Name of the shapefile without extension. */
  name?: string
}

/** Write `collection` (lon/lat, EPSG:4326) as a shapefile reprojected to `epsg` by GDAL. */
export function writeShapefile(dir: string, collection: FeatureCollection, opts: ShapefileOptions): string {
  const name = opts.name ?? 'parcels'
  const src = writeJson(join(dir, `${name}.src.geojson`), collection)
  const shp = join(dir, `${name}.shp`)
  const encoding = opts.encoding === undefined ? 'GBK' : opts.encoding
  run('ogr2ogr', [
    '-f', 'ESRI Shapefile',
    ...(encoding ? ['-lco', `ENCODING=${encoding}`] : []),
    '-s_srs', 'EPSG:4326', '-t_srs', `EPSG:${opts.epsg}`,
    shp, src,
  ])
  rmSync(src)
  return shp
}

/** Zip files with the Info-ZIP `zip` CLI, storing paths relative to `cwd`. */
export function zipCli(zipPath: string, cwd: string, members: string[], extra: string[] = []): string {
  run('zip', ['-q', '-X', ...extra, zipPath, ...members], cwd)
  return zipPath
}

// ---------------------------------------------------------------------------------------------
// A minimal zip writer (PKWARE APPNOTE 4.3.7 local header, 4.3.12 central header, 4.3.16 EOCD)

export interface RawZipEntry {
  /** A string is written as UTF-8 with the UTF-8 flag; a Buffer is written as is, unflagged. */
  name: string | Buffer
  data: Buffer
  method?: 'store' | 'deflate'
  /** Lie in the headers about the inflated size (zip bomb tests). */
  declaredSize?: number
}

export function writeRawZip(path: string, entries: RawZipEntry[]): string {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name
    const flags = typeof e.name === 'string' ? 0x0800 : 0
    const method = e.method === 'store' ? 0 : 8
    const body = method === 8 ? deflateRawSync(e.data, { level: 9 }) : e.data
    const crc = crc32(e.data)
    const size = e.declaredSize ?? e.data.length

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(0, 10)
    local.writeUInt16LE(0x5a21, 12) // 2025-01-01
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    locals.push(local, name, body)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(0, 12)
    central.writeUInt16LE(0x5a21, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)

    offset += local.length + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(entries.length, 8)
  eocd.writeUInt16LE(entries.length, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  writeFileSync(path, Buffer.concat([...locals, cd, eocd]))
  return path
}

/** The parts of a shapefile written by GDAL, as raw zip entries under `prefix`. */
export function shapefileEntries(shpPath: string, prefix: string, parts = ['shp', 'shx', 'dbf', 'prj', 'cpg']): RawZipEntry[] {
  const base = shpPath.replace(/\.shp$/, '')
  const out: RawZipEntry[] = []
  for (const ext of parts) {
    try {
      out.push({ name: `${prefix}.${ext}`, data: readFileSync(`${base}.${ext}`) })
    } catch {
      // GDAL writes no .cpg for some encodings; absent parts are simply left out.
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Await `p` and assert it rejects with an IngestError of `code` whose message matches all `patterns`. */
export async function expectIngestError(
  p: Promise<unknown> | (() => unknown),
  code: IngestErrorCode,
  ...patterns: (string | RegExp)[]
): Promise<IngestError> {
  let error: unknown
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    error = e
  }
  expect(error, `expected IngestError ${code}`).toBeInstanceOf(IngestError)
  const ie = error as IngestError
  expect(ie.code, ie.message).toBe(code)
  for (const pattern of patterns) {
    if (typeof pattern === 'string') expect(ie.message).toContain(pattern)
    else expect(ie.message).toMatch(pattern)
  }
  return ie
}

// ---------------------------------------------------------------------------------------------
// Placement without PostGIS

/**
 * A Placer (crs-decide.ts) computed with proj4 and turf from fixtures/luoyang-counties.geojson,
 * independently of the PostGIS one (server/db/repos/counties/place.sql): the box's corners and
 * edge points are projected, and the counties it meets found by turf. The city's extent here is
 * the counties' bounding box for `fits` and the outlines themselves for `intersects` (no widening:
 * the tests place data well inside or far outside). For the reader's tests without a database.
 */
export function fixturePlacer(file = join(import.meta.dirname, '../../fixtures/luoyang-counties.geojson')): Placer {
  const fc = JSON.parse(readFileSync(file, 'utf8')) as FeatureCollection<MultiPolygon, { code: string; name: string }>
  const cityBox = turf.bbox(fc)
  return async (bbox, epsgs) => epsgs.map((epsg) => {
    const to = proj4(proj4Def(epsg), proj4Def(4490))
    const [x0, y0, x1, y1] = bbox
    const ring: [number, number][] = []
    for (let i = 0; i <= 8; i++) ring.push([x0 + ((x1 - x0) * i) / 8, y0])
    for (let i = 1; i <= 8; i++) ring.push([x1, y0 + ((y1 - y0) * i) / 8])
    for (let i = 1; i <= 8; i++) ring.push([x1 - ((x1 - x0) * i) / 8, y1])
    for (let i = 1; i < 8; i++) ring.push([x0, y1 - ((y1 - y0) * i) / 8])
    const ll = ring.map((p) => to.forward(p) as [number, number])
    const box = turf.polygon([[...ll, ll[0]!]])
    const b = turf.bbox(box) as [number, number, number, number]
    const counties = fc.features.filter((f) => turf.booleanIntersects(f, box)).map((f) => ({ code: f.properties.code, name: f.properties.name }))
    const intersects = counties.length > 0
    const within = b[0] >= cityBox[0] && b[1] >= cityBox[1] && b[2] <= cityBox[2] && b[3] <= cityBox[3]
    const centre = turf.center(box)
    const distanceKm = intersects ? 0 : Math.min(...fc.features.map((f) => turf.pointToPolygonDistance(centre, f, { units: 'kilometers' })))
    return { epsg, bbox: b, intersects, fits: intersects && within, distanceKm, counties }
  })
}
