/** The measure tool: click to add points, double-click to finish. Lengths in m on the ellipsoid
 * (turf's geodesic length), areas in m² and 亩 (turf's spherical area; within 0.5% of the
 * ellipsoidal area at Luoyang's latitude, which is the figure of record on the parcel card). */
import { area as turfArea, length as turfLength, lineString, polygon } from '@turf/turf'
import { Marker, type GeoJSONSource, type Map as MapLibreMap, type MapMouseEvent } from 'maplibre-gl'
import { M2_PER_MU, metres, num } from './format'

export type MeasureMode = 'length' | 'area'

const SOURCE = 'measure'

export interface MeasureResult {
  mode: MeasureMode
  metres?: number
  m2?: number
  mu?: number
}

export function measureLength(points: [number, number][]): number {
  return points.length < 2 ? 0 : turfLength(lineString(points), { units: 'kilometers' }) * 1000
}

export function measureArea(points: [number, number][]): { m2: number; mu: number } {
  if (points.length < 3) return { m2: 0, mu: 0 }
  const m2 = turfArea(polygon([[...points, points[0]!]]))
  return { m2, mu: m2 / M2_PER_MU }
}

export function formatResult(r: MeasureResult): string {
  // one unit, the one a reader expects: metres below a kilometre, km with the metres beside above it
  if (r.mode === 'length') return (r.metres ?? 0) >= 1000 ? `长度 ${metres(r.metres ?? 0)}（${num(r.metres ?? 0)} m）` : `长度 ${num(r.metres ?? 0)} m`
  return `面积 ${num(r.m2 ?? 0)} m²，合 ${num(r.mu ?? 0)} 亩`
}

export class MeasureTool {
  private points: [number, number][] = []
  /** What is (or was last) measured; `drawing` while points are being added. */
  private mode: MeasureMode = 'length'
  private drawing = false
  private tag: Marker | null = null
  private readonly onClick = (e: MapMouseEvent) => this.add([e.lngLat.lng, e.lngLat.lat])
  private readonly onDblClick = (e: MapMouseEvent) => {
    e.preventDefault()
    // the two clicks of a double-click each added the same point: keep one
    this.points = this.points.filter((p, i, all) => i === 0 || p[0] !== all[i - 1]![0] || p[1] !== all[i - 1]![1])
    this.finish()
  }

  constructor(private map: MapLibreMap, private output: HTMLElement, private onChange: (active: boolean) => void) {}

  /** Adds the measure overlay (call after every style or layer rebuild). */
  install(): void {
    if (this.map.getSource(SOURCE)) return
    this.map.addSource(SOURCE, { type: 'geojson', data: this.geojson() })
    this.map.addLayer({ id: 'measure-fill', type: 'fill', source: SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#00bcd4', 'fill-opacity': 0.2 } })
    this.map.addLayer({ id: 'measure-line', type: 'line', source: SOURCE, filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#00838f', 'line-width': 2, 'line-dasharray': [2, 1] } })
    this.map.addLayer({ id: 'measure-points', type: 'circle', source: SOURCE, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#00838f' } })
  }

  get active(): boolean {
    return this.drawing
  }

  start(mode: MeasureMode): void {
    this.stop()
    this.mode = mode
    this.drawing = true
    this.points = []
    this.map.doubleClickZoom.disable()
    this.map.getCanvas().style.cursor = 'crosshair'
    this.map.on('click', this.onClick)
    this.map.on('dblclick', this.onDblClick)
    this.output.textContent = mode === 'length' ? '单击地图逐点量测，双击结束' : '单击地图逐点圈定范围，双击结束'
    this.onChange(true)
    this.render()
  }

  add(p: [number, number]): MeasureResult {
    this.points.push(p)
    const r = this.result()
    this.output.textContent = formatResult(r)
    this.render()
    return r
  }

  result(): MeasureResult {
    if (this.mode === 'area') return { mode: 'area', ...measureArea(this.points) }
    return { mode: 'length', metres: measureLength(this.points) }
  }

  finish(): void {
    if (!this.drawing) return
    this.map.off('click', this.onClick)
    this.map.off('dblclick', this.onDblClick)
    this.map.getCanvas().style.cursor = ''
    this.output.textContent = formatResult(this.result())
    setTimeout(() => this.map.doubleClickZoom.enable(), 0)
    this.drawing = false
    this.onChange(false)
  }

  stop(): void {
    this.finish()
    this.points = []
    this.output.textContent = ''
    this.render()
  }

  private geojson(): GeoJSON.FeatureCollection {
    const features: GeoJSON.Feature[] = this.points.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }))
    if (this.points.length >= 2) {
      const ring = this.mode === 'area' && this.points.length >= 3
      features.push({
        type: 'Feature', properties: {},
        geometry: ring ? { type: 'Polygon', coordinates: [[...this.points, this.points[0]!]] } : { type: 'LineString', coordinates: this.points },
      })
    }
    return { type: 'FeatureCollection', features }
  }

  private render(): void {
    (this.map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData(this.geojson())
    // the result is written on the map, beside the last point (an HTML marker: any text, no glyphs)
    const enough = this.points.length >= (this.mode === 'area' ? 3 : 2)
    if (!enough) {
      this.tag?.remove()
      this.tag = null
      return
    }
    if (!this.tag) {
      const el = document.createElement('div')
      el.className = 'measure-tag'
      el.dataset.testid = 'measure-tag'
      this.tag = new Marker({ element: el, anchor: 'bottom-left', offset: [8, -8] })
    }
    this.tag.getElement().textContent = formatResult(this.result())
    this.tag.setLngLat(this.points[this.points.length - 1]!).addTo(this.map)
  }
}
