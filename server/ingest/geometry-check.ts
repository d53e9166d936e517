/**
 * The checks every reader applies to a feature's geometry as read, in its source CRS: a polygon
 * (or multipolygon) with finite coordinates inside the plausible range of that CRS. A feature that
 * fails is yielded with geometry null and a problem, so one bad record does not abort the rest.
 */
import type { Geometry, MultiPolygon, Polygon, Position } from 'geojson'
import { type Bbox, bboxMisfit } from './crs'
import { MAX_ABS_COORDINATE } from './shp'

export type FeatureProblemCode = 'geometry_null' | 'geometry_nonfinite' | 'geometry_out_of_range' | 'geometry_corrupt' | 'xy_swapped'

export interface FeatureProblem {
  code: FeatureProblemCode
  message: string
}


/** A geometry type as the report names it to a Chinese reader. */
export const geometryNameZh = (type: string): string =>
  ({ Point: '点', MultiPoint: '多点', LineString: '线', MultiLineString: '多线', Polygon: '面', MultiPolygon: '多面', GeometryCollection: '几何集合' } as Record<string, string>)[type] ?? type

export const POLYGONAL = new Set(['Polygon', 'MultiPolygon'])

export function* positions(g: Polygon | MultiPolygon): Generator<Position> {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  for (const rings of polygons) for (const ring of rings) yield* ring
}

export function extent(g: Polygon | MultiPolygon): { bbox: Bbox; finite: boolean; count: number } {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity]
  let finite = true
  let count = 0
  for (const pos of positions(g)) {
    const [x, y] = pos
    count++
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      finite = false
      continue
    }
    if (x < minX) minX = x
    if (y < minY) minY = y
    if (x > maxX) maxX = x
    if (y > maxY) maxY = y
  }
  return { bbox: [minX, minY, maxX, maxY], finite, count }
}

export function checkGeometry(g: Geometry | null, epsg: number): { geometry: Polygon | MultiPolygon | null; problems: FeatureProblem[] } {
  if (!g || !POLYGONAL.has(g.type)) {
    return { geometry: null, problems: [{ code: 'geometry_null', message: '图形为空 / the shape is empty (null shape)' }] }
  }
  const poly = g as Polygon | MultiPolygon
  const { bbox, finite, count } = extent(poly)
  if (count === 0) return { geometry: null, problems: [{ code: 'geometry_null', message: '图形为空 / the shape has no coordinates' }] }
  if (!finite) {
    return {
      geometry: null,
      problems: [{ code: 'geometry_nonfinite', message: '坐标含 NaN 或 Infinity / a coordinate is NaN or Infinity' }],
    }
  }
  const misfit = bbox.some((v) => Math.abs(v) > MAX_ABS_COORDINATE) ? 'absurdly large coordinates' : bboxMisfit(epsg, bbox)
  if (misfit) {
    return {
      geometry: null,
      problems: [{ code: 'geometry_out_of_range', message: `坐标超出 EPSG:${epsg} 的合理范围 / out of range for EPSG:${epsg}: ${misfit}` }],
    }
  }
  return { geometry: poly, problems: [] }
}

