/**
 * Shapefile geometry (.shp + .shx), read by us rather than by the `shapefile` package.
 *
 * shapefile's reader walks the .shp sequentially and, on a damaged record, scans ahead for
 * the next plausible one (its issue #36): it then yields fewer shapes than the .dbf has
 * records, and every attribute row after the damage lands on the wrong polygon. Here every
 * record is read at the offset the .shx gives for it, so record i is always shape i; a
 * damaged record becomes a per-record problem, never a shift. The headers and every index
 * entry are checked before anything is read, so a truncated file is refused whole.
 */
import { type FileHandle, open } from 'node:fs/promises'
import type { MultiPolygon, Polygon, Position } from 'geojson'
import type { Bbox } from './crs'
import { ingestError } from './errors'

export const SHAPE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'Null', 1: 'Point', 3: 'PolyLine', 5: 'Polygon', 8: 'MultiPoint',
  11: 'PointZ', 13: 'PolyLineZ', 15: 'PolygonZ', 18: 'MultiPointZ',
  21: 'PointM', 23: 'PolyLineM', 25: 'PolygonM', 28: 'MultiPointM', 31: 'MultiPatch',
}

export const isPolygonShapeType = (t: number): boolean => t === 5 || t === 15 || t === 25

export interface ShpInfo {
  shapeType: number
  shapeTypeName: string
  /** Header extent [minX, minY, maxX, maxY]; the writer's claim, checked for sanity only. */
  bbox: Bbox
  /** Records listed in the .shx. */
  recordCount: number
}

const FILE_CODE = 9994
const HEADER_BYTES = 100
const SHX_ENTRY_BYTES = 8
/** Larger than any coordinate a supported CRS produces (zone-prefixed eastings stay under 1e8). */
export const MAX_ABS_COORDINATE = 1e8

/** `member` is the .shp's name inside the upload, for messages. */
export async function inspectShapefile(shpPath: string, shxPath: string, member: string): Promise<ShpInfo> {
  const shxMember = member.replace(/\.shp$/i, '.shx')
  const shp = await readHeader(shpPath, member)
  const shx = await readHeader(shxPath, shxMember)
  if (shx.shapeType !== shp.shapeType) {
    throw ingestError('shp_corrupt', { member: shxMember, reason: `shape type ${shx.shapeType} ≠ .shp's ${shp.shapeType}` })
  }
  if ((shx.size - HEADER_BYTES) % SHX_ENTRY_BYTES !== 0) {
    throw ingestError('shp_corrupt', { member: shxMember, reason: 'its size is not a whole number of index entries' })
  }
  const recordCount = (shx.size - HEADER_BYTES) / SHX_ENTRY_BYTES
  await checkIndex(shxPath, recordCount, shp.size, member)

  const name = SHAPE_TYPE_NAMES[shp.shapeType]
  if (name === undefined) throw ingestError('shp_corrupt', { member, reason: `unknown shape type ${shp.shapeType}` })
  // An empty layer has an all-zero (or NaN) extent; only a populated one must be sane.
  if (recordCount > 0 && !shp.bbox.every((v) => Number.isFinite(v) && Math.abs(v) <= MAX_ABS_COORDINATE)) {
    throw ingestError('shp_bad_bbox', { member })
  }
  return { shapeType: shp.shapeType, shapeTypeName: name, bbox: shp.bbox, recordCount }
}

async function readHeader(path: string, member: string) {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    if (size < HEADER_BYTES) throw ingestError('shp_truncated', { member, expected: HEADER_BYTES, actual: size })
    const buf = Buffer.alloc(HEADER_BYTES)
    await fh.read(buf, 0, HEADER_BYTES, 0)
    if (buf.readInt32BE(0) !== FILE_CODE) {
      throw ingestError('shp_corrupt', { member, reason: 'it does not start with the shapefile file code 9994' })
    }
    // The header states the file length in 16-bit words; less on disk means a cut-off copy.
    const declared = buf.readInt32BE(24) * 2
    if (size < declared) throw ingestError('shp_truncated', { member, expected: declared, actual: size })
    const bbox: Bbox = [buf.readDoubleLE(36), buf.readDoubleLE(44), buf.readDoubleLE(52), buf.readDoubleLE(60)]
    return { size, shapeType: buf.readInt32LE(32), bbox }
  } finally {
    await fh.close()
  }
}

/** Every indexed record must lie inside the .shp: catches truncation the header did not. */
async function checkIndex(shxPath: string, count: number, shpSize: number, member: string): Promise<void> {
  const fh = await open(shxPath, 'r')
  try {
    const perChunk = 64 * 1024
    const buf = Buffer.alloc(perChunk * SHX_ENTRY_BYTES)
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first)
      await fh.read(buf, 0, n * SHX_ENTRY_BYTES, HEADER_BYTES + first * SHX_ENTRY_BYTES)
      for (let i = 0; i < n; i++) {
        const offset = buf.readInt32BE(i * SHX_ENTRY_BYTES) * 2
        const length = buf.readInt32BE(i * SHX_ENTRY_BYTES + 4) * 2
        const end = offset + 8 + length
        if (offset < HEADER_BYTES || length < 0) {
          throw ingestError('shp_corrupt', { member, reason: `index entry ${first + i} points to byte ${offset}` })
        }
        if (end > shpSize) throw ingestError('shp_truncated', { member, expected: end, actual: shpSize })
      }
    }
  } finally {
    await fh.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Records

export interface ShapeRecord {
  /** Null for a null shape and for a record that could not be read. */
  geometry: Polygon | MultiPolygon | null
  /** Why the record could not be read, in English (the caller wraps it for the user). */
  problem?: string
}

/** Read window: records are usually contiguous, so one read serves thousands of them. */
const WINDOW_BYTES = 1 << 20

class WindowReader {
  private buf = Buffer.alloc(0)
  private start = 0

  constructor(private readonly fh: FileHandle) {}

  async slice(offset: number, length: number): Promise<Buffer> {
    if (offset < this.start || offset + length > this.start + this.buf.length) {
      const size = Math.max(WINDOW_BYTES, length)
      const buf = Buffer.alloc(size)
      const { bytesRead } = await this.fh.read(buf, 0, size, offset)
      this.buf = buf.subarray(0, bytesRead)
      this.start = offset
    }
    const from = offset - this.start
    return this.buf.subarray(from, Math.min(from + length, this.buf.length))
  }
}

/**
 * Every record of a polygon shapefile in .shx order. `count` is ShpInfo.recordCount.
 * Z and M values are dropped: land parcels are 2D.
 */
export async function* readPolygonRecords(shpPath: string, shxPath: string, count: number): AsyncGenerator<ShapeRecord> {
  const shp = await open(shpPath, 'r')
  const shx = await open(shxPath, 'r')
  try {
    const records = new WindowReader(shp)
    const index = new WindowReader(shx)
    for (let i = 0; i < count; i++) {
      const entry = await index.slice(HEADER_BYTES + i * SHX_ENTRY_BYTES, SHX_ENTRY_BYTES)
      const offset = entry.readInt32BE(0) * 2
      const length = entry.readInt32BE(4) * 2
      const record = await records.slice(offset, 8 + length)
      yield parseRecord(record, i, length)
    }
  } finally {
    await shp.close()
    await shx.close()
  }
}

function parseRecord(record: Buffer, i: number, length: number): ShapeRecord {
  if (record.length < 12 || record.length < 8 + length) return { geometry: null, problem: 'record cut short' }
  if (record.readInt32BE(0) !== i + 1) {
    return { geometry: null, problem: `record number ${record.readInt32BE(0)} where the index expects ${i + 1}` }
  }
  if (record.readInt32BE(4) * 2 !== length) {
    return { geometry: null, problem: `record length ${record.readInt32BE(4) * 2} where the index says ${length}` }
  }
  const content = record.subarray(8, 8 + length)
  const type = content.readInt32LE(0)
  if (type === 0) return { geometry: null }
  if (!isPolygonShapeType(type)) return { geometry: null, problem: `shape type ${type} in a polygon file` }
  if (content.length < 44) return { geometry: null, problem: 'polygon record too short' }
  const numParts = content.readInt32LE(36)
  const numPoints = content.readInt32LE(40)
  const pointsAt = 44 + 4 * numParts
  if (numParts < 1 || numPoints < 1 || pointsAt + 16 * numPoints > content.length) {
    return { geometry: null, problem: `${numParts} parts and ${numPoints} points do not fit a ${length}-byte record` }
  }
  const rings: Position[][] = []
  for (let p = 0; p < numParts; p++) {
    const from = content.readInt32LE(44 + 4 * p)
    const to = p + 1 < numParts ? content.readInt32LE(44 + 4 * (p + 1)) : numPoints
    if (from < 0 || to > numPoints || from >= to) return { geometry: null, problem: `part ${p} spans points ${from}–${to}` }
    const ring: Position[] = []
    for (let k = from; k < to; k++) {
      ring.push([content.readDoubleLE(pointsAt + 16 * k), content.readDoubleLE(pointsAt + 16 * k + 8)])
    }
    rings.push(ring)
  }
  return { geometry: assemblePolygons(rings) }
}

/**
 * Shapefile polygons list outer rings clockwise and holes counter-clockwise, with no record of
 * which hole belongs to which outer ring: each hole goes to the first outer ring containing
 * it; a hole inside none becomes a polygon of its own (a writer that got orientation wrong).
 */
export function assemblePolygons(rings: Position[][]): Polygon | MultiPolygon {
  const polygons: Position[][][] = []
  const holes: Position[][] = []
  for (const ring of rings) (signedArea(ring) <= 0 ? polygons.push([ring]) : holes.push(ring))
  for (const hole of holes) {
    const owner = polygons.find((poly) => ringContains(poly[0], hole))
    if (owner) owner.push(hole)
    else polygons.push([hole])
  }
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0] }
    : { type: 'MultiPolygon', coordinates: polygons }
}

/** Shoelace area: positive counter-clockwise, negative clockwise (x east, y north). */
export function signedArea(ring: Position[]): number {
  let sum = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
  return sum / 2
}

/** Whether `outer` contains `hole`, judged by the first hole vertex not on outer's boundary. */
function ringContains(outer: Position[], hole: Position[]): boolean {
  for (const [x, y] of hole) {
    let inside = false
    let onEdge = false
    for (let i = 0, j = outer.length - 1; i < outer.length; j = i++) {
      const [xi, yi] = outer[i]
      const [xj, yj] = outer[j]
      const cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi)
      if (cross === 0 && Math.min(xi, xj) <= x && x <= Math.max(xi, xj) && Math.min(yi, yj) <= y && y <= Math.max(yi, yj)) {
        onEdge = true
        break
      }
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
    }
    if (!onEdge) return inside
  }
  return false
}
