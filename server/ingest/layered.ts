/**
 * The readers of whole-file formats (GeoPackage, KML/KMZ, DXF, CSV/XLSX: gpkg.ts, kml.ts, dxf.ts,
 * table.ts) hand over their content as layers of features in the source CRS; this module turns
 * the chosen layer into the same UploadReader the shapefile path gives, so every format goes
 * through the same report, field mapping, CRS decision (crs-decide.ts) and checks.
 *
 * The layer: a file with several (GeoPackage tables, KML folders, DXF layers, XLSX sheets) is read
 * as the one the user picks (`sourceLayer`); without a pick, the single layer holding polygons,
 * and a 422 listing every layer with its counts when there are several or none.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson'
import * as turf from '@turf/turf'
import type { Bbox, CrsDecision } from './crs'
import { decideCrs } from './crs-decide'
import type { EncodingDecision } from './encoding'
import { ingestError } from './errors'
import { type FeatureProblem, checkGeometry, extent } from './geometry-check'
import type { ReadOptions, SourceFeature, UploadDescription, UploadLayerInfo, UploadReader } from './reader-types'

export interface RawFeature {
  /** In the source CRS; null where the format held no usable polygon (a problem says why). */
  geometry: Polygon | MultiPolygon | null
  properties: Record<string, unknown>
  problems?: FeatureProblem[]
}

export interface ReadLayer {
  name: string
  /** As the format names it (POLYGON, MULTIPOLYGON, 闭合多段线…), for the report. */
  geometryType: string
  features: RawFeature[]
  fieldNames: string[]
  encoding: EncodingDecision | null
  /** What the format declares about the CRS (a GeoPackage srs, KML's WGS 84, 经度/纬度 columns). */
  declared?: () => CrsDecision
  /** What was in the layer and is not imported, entity by entity (open DXF polylines, KML points). */
  skipped?: string[]
  /** Notes for the report (why the user must choose a CRS, a swapped X/Y…). */
  notes?: string[]
}

/** At most this many skipped entities are listed one by one; the rest are counted. */
const SKIPPED_LISTED = 100

export function layerInfo(layers: readonly ReadLayer[]): UploadLayerInfo[] {
  return layers.map((l) => ({
    name: l.name, geometryType: l.geometryType, featureCount: l.features.length, skipped: l.skipped?.length ?? 0,
  }))
}

const listLayers = (layers: readonly ReadLayer[]) =>
  layers.map((l) => `${l.name}（${l.features.length} 个面${l.skipped?.length ? `，${l.skipped.length} 个未导入` : ''}）`).join('、')
const listLayersEn = (layers: readonly ReadLayer[]) =>
  layers.map((l) => `${l.name} (${l.features.length} polygons${l.skipped?.length ? `, ${l.skipped.length} not imported` : ''})`).join(', ')

/** The layer to read: the user's pick, else the only one with polygons. */
export function chooseLayer(layers: readonly ReadLayer[], file: string, picked: string | undefined): ReadLayer {
  if (picked !== undefined && picked !== '') {
    const found = layers.find((l) => l.name === picked)
    if (!found) throw ingestError('upload_layer_unknown', { file, layer: picked, layersZh: listLayers(layers), layersEn: listLayersEn(layers) })
    if (found.features.length === 0) throw noPolygons(file, [found])
    return found
  }
  const withPolygons = layers.filter((l) => l.features.length > 0)
  if (withPolygons.length === 1) return withPolygons[0]!
  if (withPolygons.length === 0) throw noPolygons(file, layers)
  throw ingestError('upload_layer_choice', { file, layersZh: listLayers(withPolygons), layersEn: listLayersEn(withPolygons) },
    { layers: layerInfo(withPolygons) })
}

function noPolygons(file: string, layers: readonly ReadLayer[]) {
  const skipped = layers.flatMap((l) => l.skipped ?? [])
  return ingestError('upload_no_polygons', {
    file,
    whatZh: skipped.length ? `；未导入：${skipped.slice(0, 5).join('；')}${skipped.length > 5 ? ` 等 ${skipped.length} 项` : ''}` : '',
    whatEn: skipped.length ? `; not imported: ${skipped.length} entities (listed in Chinese)` : '',
  }, { layers: layerInfo(layers), skipped: skipped.slice(0, SKIPPED_LISTED) })
}

function bboxOf(features: readonly RawFeature[]): Bbox | null {
  let box: Bbox | null = null
  for (const f of features) {
    if (!f.geometry) continue
    const e = extent(f.geometry)
    if (!e.finite || e.count === 0) continue
    const b = e.bbox
    box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : b
  }
  return box
}

/** An UploadReader over one layer of an already-read file. */
export async function openLayers(kind: UploadDescription['kind'], file: string, layers: ReadLayer[], options: ReadOptions): Promise<UploadReader> {
  const layer = chooseLayer(layers, file, options.sourceLayer)
  const crs = await decideCrs({
    file, bbox: bboxOf(layer.features), stated: options.crsOverride, confirmStated: options.confirmCrs,
    declared: layer.declared, place: options.place,
  })
  const skipped = layer.skipped ?? []
  const description: UploadDescription = {
    kind,
    file,
    sources: [{
      name: layer.name, encoding: layer.encoding, crs, fieldNames: layer.fieldNames, featureCount: layer.features.length,
      geometryType: layer.geometryType,
      ...(skipped.length ? { skipped: skipped.slice(0, SKIPPED_LISTED), skippedCount: skipped.length } : {}),
      ...(layer.notes?.length ? { notes: layer.notes } : {}),
    }],
    featureCount: layer.features.length,
    ...(layers.length > 1 || kind === 'gpkg' || kind === 'dxf' ? { layers: layerInfo(layers), layer: layer.name } : {}),
  }
  let list: RawFeature[] | null = layer.features
  return {
    describe: () => description,
    async *features(): AsyncGenerator<SourceFeature> {
      const items = list ?? []
      list = null
      for (const [i, f] of items.entries()) {
        const checked = f.geometry ? checkGeometry(f.geometry, crs.epsg) : { geometry: null, problems: [] }
        yield {
          index: i, source: layer.name, sourceIndex: i, geometry: checked.geometry, properties: f.properties,
          problems: [...(f.problems ?? []), ...checked.problems],
        }
      }
    },
    close: async () => {
      list = null
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Rings to polygons, for formats that give loose rings (DXF hatch loops, CSV vertex rows)

const samePoint = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1]

/** A ring closed by repeating its first point. */
export function closeRing(ring: Position[]): Position[] {
  if (ring.length > 0 && !samePoint(ring[0]!, ring[ring.length - 1]!)) return [...ring, ring[0]!]
  return ring
}

/** Rings to a polygon: a ring inside another (by its first point) is that one's hole, every other
 * ring an outer ring of its own part; one part is a Polygon. Null when no ring has 4 positions. */
export function assembleRings(input: Position[][]): Polygon | MultiPolygon | null {
  const rings = input.map(closeRing).filter((r) => r.length >= 4)
  if (rings.length === 0) return null
  // Largest first, so that an outer ring is met before the holes inside it.
  const sized = rings.map((r) => ({ r, a: Math.abs(ringArea(r)) })).sort((x, y) => y.a - x.a)
  const parts: Position[][][] = []
  for (const { r } of sized) {
    const pt = r[0]!
    const host = parts.find((p) => p.length && turf.booleanPointInPolygon(pt, turf.polygon([p[0]!])) &&
      !p.slice(1).some((h) => turf.booleanPointInPolygon(pt, turf.polygon([h]))))
    if (host) host.push(r)
    else parts.push([r])
  }
  return parts.length === 1 ? { type: 'Polygon', coordinates: parts[0]! } : { type: 'MultiPolygon', coordinates: parts }
}

/** Shoelace area in the ring's own units. */
function ringArea(r: Position[]): number {
  let s = 0
  for (let i = 0; i + 1 < r.length; i++) s += r[i]![0]! * r[i + 1]![1]! - r[i + 1]![0]! * r[i]![1]!
  return s / 2
}
