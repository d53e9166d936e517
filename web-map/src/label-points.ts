/** Labels placed once per feature. Vector tiles cut a polygon at the tile edges, and a symbol layer
 * over the tiles labels every piece: a parcel's code came out 2–4 times, a cluster's name 4 times at
 * zoom 13. Instead the labels are drawn from a GeoJSON source of one point per feature, inside it:
 * for clusters from their full boundaries (GET /api/clusters), for parcels from the tile pieces the
 * map holds, joined by feature id. */
import { bbox as turfBbox, booleanPointInPolygon, pointOnFeature } from '@turf/turf'
import type { GeoJSONFeature, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'

type Polygonal = GeoJSON.Polygon | GeoJSON.MultiPolygon

/** One point per feature, inside it: the centre of its bounding box when that lies inside, else a
 * point on its surface. */
export function labelPoint(geometry: Polygonal): [number, number] {
  const [w, s, e, n] = turfBbox(geometry)
  const centre: [number, number] = [(w + e) / 2, (s + n) / 2]
  if (booleanPointInPolygon(centre, geometry)) return centre
  return pointOnFeature(geometry).geometry.coordinates as [number, number]
}

/** The label points of features given whole (the clusters). */
export function pointsOf<P extends object>(features: GeoJSON.Feature<GeoJSON.Geometry, P>[], props: (keyof P & string)[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: features.filter((f) => f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon').map((f) => ({
      type: 'Feature',
      properties: Object.fromEntries(props.map((p) => [p, f.properties[p]])) as Record<string, unknown>,
      geometry: { type: 'Point', coordinates: labelPoint(f.geometry as Polygonal) },
    })),
  }
}

/** The label points of tiled features: the pieces of one id (from every tile the map holds) are
 * put together as one MultiPolygon before the point is chosen. */
export function pointsOfPieces(pieces: GeoJSONFeature[], props: string[]): GeoJSON.FeatureCollection {
  const byId = new Map<string | number, { props: Record<string, unknown>; polygons: GeoJSON.Position[][][] }>()
  for (const f of pieces) {
    if (f.id === undefined) continue
    const g = f.geometry
    const polygons: GeoJSON.Position[][][] = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
    if (!polygons.length) continue
    const entry = byId.get(f.id) ?? { props: Object.fromEntries(props.map((p) => [p, f.properties[p]])), polygons: [] as GeoJSON.Position[][][] }
    entry.polygons.push(...polygons)
    byId.set(f.id, entry)
  }
  return {
    type: 'FeatureCollection',
    features: [...byId.values()].map((e) => ({
      type: 'Feature', properties: e.props,
      geometry: { type: 'Point', coordinates: labelPoint({ type: 'MultiPolygon', coordinates: e.polygons }) },
    })),
  }
}

/** Keeps a GeoJSON source of parcel label points in step with the parcel tiles in view, from the
 * zoom the labels show at; recomputed when the map comes to rest on a new view. */
export function followParcelLabels(map: MapLibreMap, sourceId: string, minzoom: number, props: string[]): void {
  let last = ''
  map.on('idle', () => {
    const source = map.getSource(sourceId) as GeoJSONSource | undefined
    if (!source || !map.getSource('parcels')) return
    const z = map.getZoom()
    const pieces = z >= minzoom ? map.querySourceFeatures('parcels', { sourceLayer: 'parcels' }) : []
    const key = `${Math.floor(z)}:${pieces.length}:${map.getBounds().toArray().flat().map((v) => v.toFixed(4)).join(',')}`
    if (key === last) return
    last = key
    source.setData(pointsOfPieces(pieces, props))
  })
}
