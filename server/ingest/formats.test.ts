/** The whole-file readers on small hand-made edge files (fixtures/ingest/, see fixtures/README.md):
 * DXF hatches whose boundaries are edges with an arc and a polyline with a bulge and a hole, and an
 * RFC 8142 GeoJSON text sequence (record separators). No database: the CRS is stated. */
import { join } from 'node:path'
import type { MultiPolygon, Polygon, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { openUpload, type SourceFeature } from './read-features'
import { readDxf } from './dxf'

const FIXTURES = join(import.meta.dirname, '../../fixtures/ingest')

async function readAll(file: string, crs?: number) {
  const reader = await openUpload(join(FIXTURES, file), { layer: 'parcels', crsOverride: crs })
  const features: SourceFeature[] = []
  try {
    for await (const f of reader.features()) features.push(f)
  } finally {
    await reader.close()
  }
  return { description: reader.describe(), features }
}

/** Shoelace area in the CRS's own units (metres in Gauss-Krüger), holes subtracted; taken about
 * the ring's first vertex, since products of 8-digit eastings lose centimetres² in doubles. */
function planarArea(g: Polygon | MultiPolygon): number {
  const ring = (r: Position[]) => {
    const [x0, y0] = r[0]!
    let s = 0
    for (let i = 0; i + 1 < r.length; i++) {
      s += (r[i]![0]! - x0!) * (r[i + 1]![1]! - y0!) - (r[i + 1]![0]! - x0!) * (r[i]![1]! - y0!)
    }
    return Math.abs(s / 2)
  }
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  return polys.reduce((a, p) => a + ring(p[0]!) - p.slice(1).reduce((h, r) => h + ring(r), 0), 0)
}

describe('DXF hatches (fixtures/ingest/hatches.dxf, GBK, $DWGCODEPAGE ANSI_936)', () => {
  // A 100 m square with a half disc of r = 50 m on its east side; arcs become chords at 5° steps,
  // so the half disc is the inscribed 36-gon's half: 18 r² sin 5° (by hand), 0.13 % under π r²/2.
  const r = 50
  const halfDisc = 18 * r * r * Math.sin((5 * Math.PI) / 180)

  it('reads an edge loop (lines and an arc) and a polyline loop with a bulge and a hole; the text inside is each one\'s 文字', async () => {
    const { description, features } = await readAll('hatches.dxf', 4525)
    expect(description.kind).toBe('dxf')
    expect(description.sources[0]).toMatchObject({ name: '宗地', featureCount: 2, geometryType: 'HATCH', encoding: { encoding: 'gbk', source: 'codepage' } })
    // the text layer holds no polygon and no open line: not a layer to choose
    expect(description.layers).toEqual([{ name: '宗地', geometryType: 'HATCH', featureCount: 2, skipped: 0 }])
    expect(features.map((f) => f.properties)).toEqual([
      { 图层: '宗地', 句柄: 'H1', 文字: '410311-H-001' },
      { 图层: '宗地', 句柄: 'H2', 文字: '410311-H-002' },
    ])
    const [a, b] = features.map((f) => planarArea(f.geometry!))
    expect(a).toBeCloseTo(10_000 + halfDisc, 3)
    expect(Math.abs(a! - (10_000 + (Math.PI * r * r) / 2)) / (10_000 + (Math.PI * r * r) / 2)).toBeLessThan(0.0015)
    // the 20 m × 20 m loop inside is a hole
    expect(features[1]!.geometry).toMatchObject({ type: 'Polygon' })
    expect((features[1]!.geometry as Polygon).coordinates).toHaveLength(2)
    expect(b).toBeCloseTo(10_000 + halfDisc - 400, 3)
  })

  it('without a stated CRS, its zone-prefixed eastings name the zone (a DXF declares none)', async () => {
    const { description } = await readAll('hatches.dxf')
    expect(description.sources[0]!.crs).toMatchObject({ epsg: 4525, source: 'inferred' })
    expect(description.sources[0]!.notes?.[0]).toMatch(/DXF 不含坐标系/)
  })
})

describe('GeoJSON text sequences (RFC 8142: a record separator before each feature)', () => {
  it('reads each record as a feature, UTF-8, WGS 84 per RFC 7946', async () => {
    const { description, features } = await readAll('rfc8142.geojsons')
    expect(description).toMatchObject({ kind: 'geojsonseq', featureCount: 2 })
    expect(description.sources[0]!.crs).toMatchObject({ epsg: 4326, source: 'rfc7946' })
    expect(features.map((f) => f.properties['宗地编号'])).toEqual(['410311-S-001', '410311-S-002'])
    expect(features[0]!.properties['权利人']).toBe('洛阳镕晟新材料有限公司')
  })
})

describe('DXF outlines of hatches (as server/exports/formats.ts draws each parcel)', () => {
  // Parcel A: a 100 m square with a 20 m square hole; parcel B: two 30 m squares (one parcel of two
  // parts). Each is one HATCH on layer 宗地 holding all its rings, and each ring is also a closed
  // LWPOLYLINE on its class's layer; one more closed polyline on 道路 is no hatch's outline.
  const sq = (x: number, y: number, s: number): [number, number][] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s]]
  const A = [sq(38_500_000, 3_800_000, 100), sq(38_500_040, 3_800_040, 20)]
  const B = [sq(38_500_200, 3_800_000, 30), sq(38_500_300, 3_800_000, 30)]
  const road = sq(38_500_000, 3_800_200, 50)
  const lw = (layer: string, ring: [number, number][], handle: string) =>
    ['0', 'LWPOLYLINE', '5', handle, '100', 'AcDbEntity', '8', layer, '100', 'AcDbPolyline', '90', String(ring.length), '70', '1', ...ring.flatMap(([x, y]) => ['10', String(x), '20', String(y)])]
  const hatch = (rings: [number, number][][], handle: string, outer: boolean[]) => [
    '0', 'HATCH', '5', handle, '100', 'AcDbEntity', '8', '宗地', '100', 'AcDbHatch', '10', '0', '20', '0', '30', '0', '210', '0', '220', '0', '230', '1',
    '2', 'SOLID', '70', '1', '71', '0', '91', String(rings.length),
    ...rings.flatMap((r, k) => ['92', outer[k] ? '3' : '2', '72', '0', '73', '1', '93', String(r.length), ...r.flatMap(([x, y]) => ['10', String(x), '20', String(y)]), '97', '0']),
    '75', '0', '76', '1', '98', '0']
  const text = (x: number, y: number, s: string) => ['0', 'TEXT', '8', '宗地_闲置', '10', String(x), '20', String(y), '40', '2.5', '1', s]
  const dxf = ['0', 'SECTION', '2', 'HEADER', '9', '$ACADVER', '1', 'AC1015', '9', '$DWGCODEPAGE', '3', 'ANSI_936', '0', 'ENDSEC', '0', 'SECTION', '2', 'ENTITIES',
    ...hatch(A, '10', [true, false]), ...hatch(B, '11', [true, true]),
    ...lw('宗地_闲置', A[0]!, '20'), ...lw('宗地_闲置', [...A[1]!].reverse(), '21'), ...lw('宗地_低效', B[0]!, '22'), ...lw('宗地_低效', B[1]!, '23'),
    ...text(38_500_010, 3_800_010, 'A-001'), ...text(38_500_210, 3_800_010, 'B-002'),
    ...lw('道路', road, '24'), '0', 'ENDSEC', '0', 'EOF'].join('\r\n')

  it('reads each hatch as one parcel (its hole, its two parts) and its outlines as outlines, on one layer; a closed polyline of no hatch stays a parcel', () => {
    const layers = readDxf(iconv.encode(dxf, 'gbk'), 'outlines.dxf')
    const byName = new Map(layers.map((l) => [l.name, l]))
    // the class layers hold outlines only: no layer of their own to choose
    expect([...byName.keys()].sort()).toEqual(['宗地', '道路'])
    const parcels = byName.get('宗地')!.features
    expect(parcels.map((f) => f.properties['文字'])).toEqual(['A-001', 'B-002'])
    expect(parcels[0]!.geometry).toMatchObject({ type: 'Polygon' })
    expect((parcels[0]!.geometry as Polygon).coordinates).toHaveLength(2)
    expect(planarArea(parcels[0]!.geometry as Polygon)).toBeCloseTo(100 * 100 - 20 * 20, 6)
    expect(parcels[1]!.geometry).toMatchObject({ type: 'MultiPolygon' })
    expect(planarArea(parcels[1]!.geometry as MultiPolygon)).toBeCloseTo(2 * 30 * 30, 6)
    expect(byName.get('道路')!.features).toHaveLength(1)
  })
})
