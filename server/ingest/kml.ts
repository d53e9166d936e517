/**
 * KML 2.2 (OGC 07-147r2) and KMZ (a zip whose first .kml, normally doc.kml, is the document),
 * read with @tmcw/togeojson over @xmldom/xmldom. KML coordinates are WGS 84 longitude/latitude by
 * definition (OGC 07-147r2 §6.2), declared as such (the intake transforms to EPSG:4490 as for
 * any WGS 84 upload); the text is XML, whose declared encoding xmldom honours (UTF-8 by default).
 *
 * Layers are the folders (a nested folder is "外层/内层"); placemarks outside any folder form a
 * layer named after the document. A placemark's name, description and ExtendedData become its
 * fields; style properties (stroke, fill…) are not attributes and are left out. Points and lines
 * are not parcels: listed as not imported, per placemark.
 */
import { kmlWithFolders } from '@tmcw/togeojson'
import { DOMParser } from '@xmldom/xmldom'
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson'
import { detectCrsFromFormat } from './crs'
import { ingestError } from './errors'
import { geometryNameZh } from './geometry-check'
import type { RawFeature, ReadLayer } from './layered'
import type { ReadLimits } from './reader-types'
import { readZipMember } from './zip'

/** togeojson's styling output, not attributes of the parcel. */
const STYLE_KEYS = new Set(['styleUrl', 'styleHash', 'styleMapHash', 'stroke', 'stroke-opacity', 'stroke-width', 'fill', 'fill-opacity',
  'visibility', 'icon', 'icon-opacity', 'icon-scale', 'icon-color', 'icon-offset', 'icon-offset-units', 'label-scale', 'label-color',
  'label-opacity', 'timespan', 'timestamp', '@geometry-type', 'icon-heading'])

interface Node { type: string; meta?: Record<string, unknown>; children?: Node[] }

const flat2d = (ring: Position[]) => ring.map((p) => [p[0]!, p[1]!])

/** Polygons of a KML geometry (a MultiGeometry of polygons is a MultiPolygon); null for anything else. */
function polygonOf(g: Geometry | null): Polygon | MultiPolygon | null {
  if (!g) return null
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(flat2d) }
  if (g.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(flat2d)) }
  if (g.type === 'GeometryCollection') {
    const parts = g.geometries.map(polygonOf)
    if (parts.length === 0 || parts.some((p) => p === null)) return null
    const coordinates = parts.flatMap((p) => (p!.type === 'Polygon' ? [p!.coordinates] : p!.coordinates))
    return coordinates.length === 1 ? { type: 'Polygon', coordinates: coordinates[0]! } : { type: 'MultiPolygon', coordinates }
  }
  return null
}

export function readKml(bytes: Buffer, file: string): ReadLayer[] {
  const errors: string[] = []
  let doc: ReturnType<DOMParser['parseFromString']>
  try {
    doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') errors.push(msg) } })
      .parseFromString(bytes.toString('utf8').replace(/^\uFEFF/, ''), 'text/xml')
  } catch (e) {
    throw ingestError('kml_invalid', { file, cause: (e as Error).message.split('\n')[0]!.slice(0, 200) })
  }
  if (errors.length || !doc.documentElement || doc.documentElement.localName !== 'kml') {
    throw ingestError('kml_invalid', { file, cause: errors[0]?.split('\n')[0]?.slice(0, 200) ?? `the root element is ${doc.documentElement?.localName ?? 'missing'}, not kml` })
  }
  const root = kmlWithFolders(doc as unknown as Document) as unknown as Node
  const docName = doc.getElementsByTagName('Document')[0]?.getElementsByTagName('name')[0]?.textContent?.trim() || file
  const layers = new Map<string, { features: RawFeature[]; skipped: string[]; fields: Set<string> }>()
  const layerOf = (name: string) => {
    let l = layers.get(name)
    if (!l) layers.set(name, (l = { features: [], skipped: [], fields: new Set() }))
    return l
  }
  const walk = (node: Node, path: string | null) => {
    for (const child of node.children ?? []) {
      if (child.type === 'folder') {
        const name = String(child.meta?.name ?? '').trim() || '未命名文件夹'
        walk(child, path ? `${path}/${name}` : name)
        continue
      }
      if (child.type !== 'Feature') continue
      const f = child as unknown as Feature
      const layer = layerOf(path ?? docName)
      const properties: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(f.properties ?? {})) {
        if (STYLE_KEYS.has(k)) continue
        properties[k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : v
        layer.fields.add(k)
      }
      const geometry = polygonOf(f.geometry)
      if (!geometry) {
        const n = layer.features.length + layer.skipped.length + 1
        layer.skipped.push(`${path ?? docName} 第 ${n} 个地标${properties.name ? `“${String(properties.name)}”` : ''}：${f.geometry ? geometryNameZh(f.geometry.type) : '无图形'}，不是面 / placemark ${n}: ${f.geometry?.type ?? 'no geometry'}, not a polygon`)
        continue
      }
      layer.features.push({ geometry, properties })
    }
  }
  walk(root, null)
  return [...layers.entries()].map(([name, l]) => ({
    name,
    geometryType: '面',
    features: l.features,
    fieldNames: [...l.fields],
    encoding: null,
    skipped: l.skipped,
    declared: () => detectCrsFromFormat(4326, file, `KML 规定坐标为 `, `KML coordinates are by definition `),
  }))
}

/** The document of a KMZ: doc.kml, else the first .kml at the top, else the first anywhere. */
export async function kmlOfKmz(path: string, file: string, limits: ReadLimits): Promise<Buffer> {
  const member = await readZipMember(path, file, (names) => {
    const kml = names.filter((n) => /\.kml$/i.test(n))
    return kml.find((n) => n.toLowerCase() === 'doc.kml') ?? kml.find((n) => !n.includes('/')) ?? kml[0]
  }, { ...limits, maxTotalBytes: Math.min(limits.maxTotalBytes, limits.maxGeoJsonBytes) })
  if (!member) throw ingestError('kmz_no_kml', { file })
  return member.data
}
