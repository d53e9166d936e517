import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { area } from '@turf/turf'
import type { Feature, MultiPolygon, Polygon } from 'geojson'
import { type ShapeRecord, assemblePolygons, inspectShapefile, readPolygonRecords, signedArea } from './shp'
import {
  PARCEL_ROWS, expectIngestError, makeTempDir, parcelCollection, removeTempDirs, run, square, writeShapefile,
} from '../test/ingest-helpers'

afterAll(removeTempDirs)

const shxOf = (shp: string) => shp.replace(/\.shp$/, '.shx')

describe('inspectShapefile', () => {
  it('reads type, count and extent; the extent agrees with ogrinfo', async () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const info = await inspectShapefile(shp, shxOf(shp), 'parcels.shp')
    expect(info).toMatchObject({ shapeType: 5, shapeTypeName: 'Polygon', recordCount: PARCEL_ROWS.length })
    const m = /Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/.exec(run('ogrinfo', ['-so', '-al', shp]))
    expect(m).not.toBeNull()
    info.bbox.forEach((v, i) => expect(Math.abs(v - Number(m![i + 1]))).toBeLessThan(1e-5))
  })

  it('accepts an empty layer', async () => {
    const dir = makeTempDir()
    run('ogr2ogr', ['-f', 'ESRI Shapefile', '-nlt', 'POLYGON', '-a_srs', 'EPSG:4546', join(dir, 'e.shp'),
      writeEmpty(join(dir, 'e.geojson'))])
    expect(await inspectShapefile(join(dir, 'e.shp'), join(dir, 'e.shx'), 'e.shp')).toMatchObject({ recordCount: 0 })
  })

  it('refuses a .shp shorter than its header says, naming it', async () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const size = readFileSync(shp).length
    truncateSync(shp, size - 8)
    const e = await expectIngestError(inspectShapefile(shp, shxOf(shp), '宗地.shp'), 'shp_truncated', '宗地.shp', `${size}`, `${size - 8}`)
    expect(e.status).toBe(422)
  })

  it('refuses a file that is not a shapefile', async () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const bytes = readFileSync(shp)
    bytes.writeInt32BE(1234, 0)
    writeFileSync(shp, bytes)
    await expectIngestError(inspectShapefile(shp, shxOf(shp), 'x.shp'), 'shp_corrupt', 'x.shp', '9994')
  })

  it('refuses an index pointing past the end of the .shp', async () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const shx = readFileSync(shxOf(shp))
    shx.writeInt32BE(shx.readInt32BE(100 + 8 * 2) + 1000, 100 + 8 * 2)
    writeFileSync(shxOf(shp), shx)
    await expectIngestError(inspectShapefile(shp, shxOf(shp), 'x.shp'), 'shp_truncated', 'x.shp')
  })

  it('refuses an index that is not whole entries', async () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const shx = readFileSync(shxOf(shp))
    writeFileSync(shxOf(shp), Buffer.concat([shx, Buffer.alloc(3)]))
    await expectIngestError(inspectShapefile(shp, shxOf(shp), 'x.shp'), 'shp_corrupt', 'x.shx')
  })

  it('refuses a NaN extent on a populated layer', async () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546 })
    const bytes = readFileSync(shp)
    bytes.writeDoubleLE(Number.NaN, 36)
    writeFileSync(shp, bytes)
    await expectIngestError(inspectShapefile(shp, shxOf(shp), 'x.shp'), 'shp_bad_bbox', 'x.shp')
  })
})

async function readAll(shp: string): Promise<ShapeRecord[]> {
  const info = await inspectShapefile(shp, shxOf(shp), 'x.shp')
  const out: ShapeRecord[] = []
  for await (const r of readPolygonRecords(shp, shxOf(shp), info.recordCount)) out.push(r)
  return out
}

describe('readPolygonRecords', () => {
  const withHole: Polygon = {
    type: 'Polygon',
    coordinates: [square(112.4, 34.6, 0.01).coordinates[0], [[112.402, 34.602], [112.402, 34.604], [112.404, 34.604], [112.404, 34.602], [112.402, 34.602]]],
  }
  const multi: MultiPolygon = { type: 'MultiPolygon', coordinates: [withHole.coordinates, square(112.5, 34.7).coordinates] }
  const features: Feature[] = [
    { type: 'Feature', properties: { n: 1 }, geometry: withHole },
    { type: 'Feature', properties: { n: 2 }, geometry: multi },
    { type: 'Feature', properties: { n: 3 }, geometry: null as unknown as Polygon },
    { type: 'Feature', properties: { n: 4 }, geometry: square(112.6, 34.8) },
  ]
  const written = () => writeShapefile(makeTempDir(), { type: 'FeatureCollection', features }, { epsg: 4490 })

  it('rebuilds holes and multipolygons as GDAL wrote them; areas match the input (turf)', async () => {
    const records = await readAll(written())
    expect(records.map((r) => r.geometry?.type ?? null)).toEqual(['Polygon', 'MultiPolygon', null, 'Polygon'])
    expect(records.every((r) => r.problem === undefined)).toBe(true)
    expect((records[0].geometry as Polygon).coordinates).toHaveLength(2)
    expect((records[1].geometry as MultiPolygon).coordinates.map((p) => p.length)).toEqual([2, 1])
    for (const i of [0, 1, 3]) {
      const expected = area(features[i])
      expect(Math.abs(area(records[i].geometry!) / expected - 1)).toBeLessThan(1e-9)
    }
  })

  it('regression: a damaged middle record does not shift the shapes after it', async () => {
    const shp = written()
    const bytes = readFileSync(shp)
    const shx = readFileSync(shxOf(shp))
    const second = shx.readInt32BE(100 + 8) * 2
    bytes.writeInt32BE(99, second) // wrong record number
    writeFileSync(shp, bytes)
    const records = await readAll(shp)
    expect(records).toHaveLength(4)
    expect(records[1]).toMatchObject({ geometry: null, problem: expect.stringContaining('record number 99') })
    expect(Math.abs(area(records[3].geometry!) / area(features[3]) - 1)).toBeLessThan(1e-9)
  })

  it('reports a record with a foreign shape type, keeping the others', async () => {
    const shp = written()
    const bytes = readFileSync(shp)
    const first = readFileSync(shxOf(shp)).readInt32BE(100) * 2
    bytes.writeInt32LE(3, first + 8)
    writeFileSync(shp, bytes)
    const records = await readAll(shp)
    expect(records[0].problem).toContain('shape type 3')
    expect(records[1].geometry?.type).toBe('MultiPolygon')
  })

  it('orients rings as the shapefile spec says: clockwise outer, counter-clockwise hole', () => {
    const cw = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]
    expect(signedArea(cw)).toBeLessThan(0)
    const hole = [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8], [0.2, 0.2]]
    expect(assemblePolygons([cw, hole])).toEqual({ type: 'Polygon', coordinates: [cw, hole] })
    const farHole = hole.map(([x, y]) => [x + 5, y])
    expect(assemblePolygons([cw, farHole]).type).toBe('MultiPolygon')
  })
})

function writeEmpty(path: string): string {
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: [] }))
  return path
}
