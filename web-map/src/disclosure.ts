/** The public disclosure page (§四(四) "适时公布批而未供、闲置、低效用地信息，接受社会监督"), with no
 * login: pick a dated snapshot, see its items on a map (the snapshot's own vector tiles, over the
 * public cluster boundaries) and in a list, filter by class and county, download CSV, XLSX or
 * GeoJSON. It sends no token and calls only the public endpoints. */
import 'maplibre-gl/dist/maplibre-gl.css'
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl, type FilterSpecification } from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import { offlineStyle } from './basemap'
import { DISCLOSURE_CLASS } from '../../server/labels/codes'
import * as api from './api'
import { chinese, escapeHtml, MAP_LOCALE, num } from './format'

setWorkerUrl(workerUrl)

interface Item {
  seq: number; class: 'unsupplied' | 'idle' | 'inefficient'; class_label: string; ref: string; detail: string | null
  county_code: string; county_name: string; cluster_name: string | null; area_m2: number; area_mu: number
  since: string | null; responsible_unit: string; lon: number; lat: number
}
interface Snapshot {
  id: number; as_of: string; published_at: string; items: Item[]
  counts: Record<string, { items: number; area_mu: number }>
  settings: { county_code: string; county_name: string; unsupplied: boolean; idle: boolean; inefficient: boolean }[]
}

const COLOURS: Record<string, string> = { unsupplied: '#f9a825', idle: '#c62828', inefficient: '#6a1b9a' }
const NAMES: Readonly<Record<string, string>> = DISCLOSURE_CLASS
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

const map = new MapLibreMap({
  container: 'map', style: offlineStyle(), center: [112.45, 34.62], zoom: 9, minZoom: 5, maxZoom: 18,
  localIdeographFontFamily: 'sans-serif', attributionControl: { compact: true }, locale: MAP_LOCALE,
})
map.addControl(new NavigationControl({ visualizePitch: false }), 'top-right')
map.addControl(new ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right')

const hook = { map, ready: false, snapshot: null as number | null, error: null as string | null }
;(window as unknown as { onemapDisclosure: typeof hook }).onemapDisclosure = hook

let snap: Snapshot | null = null
const shown = new Set(['unsupplied', 'idle', 'inefficient'])
let county = ''

async function get<T>(url: string): Promise<T> {
  return api.publicJson<T>(url)
}

function filter(): FilterSpecification {
  const f: unknown[] = ['all', ['in', ['get', 'class'], ['literal', [...shown]]]]
  if (county) f.push(['==', ['get', 'county_name'], county])
  return f as FilterSpecification
}

function addLayers(id: number): void {
  for (const l of ['disclosure-fill', 'disclosure-line']) if (map.getLayer(l)) map.removeLayer(l)
  if (map.getSource('disclosure')) map.removeSource('disclosure')
  map.addSource('disclosure', { type: 'vector', tiles: [`${location.origin}/api/disclosure/snapshots/${id}/tiles/{z}/{x}/{y}.mvt`], minzoom: 0, maxzoom: 16 })
  const colour = ['match', ['get', 'class'], 'unsupplied', COLOURS.unsupplied, 'idle', COLOURS.idle, COLOURS.inefficient] as unknown as string
  map.addLayer({ id: 'disclosure-fill', type: 'fill', source: 'disclosure', 'source-layer': 'disclosure', paint: { 'fill-color': colour, 'fill-opacity': 0.45 }, filter: filter() })
  map.addLayer({ id: 'disclosure-line', type: 'line', source: 'disclosure', 'source-layer': 'disclosure', paint: { 'line-color': colour, 'line-width': 1.2 }, filter: filter() })
}

function addClusters(): void {
  // the public cluster layer of the one map: boundaries for orientation (no figures reach the public)
  map.addSource('clusters', { type: 'vector', tiles: [`${location.origin}/tiles/clusters/{z}/{x}/{y}.mvt`], minzoom: 0, maxzoom: 16 })
  map.addLayer({ id: 'clusters-line', type: 'line', source: 'clusters', 'source-layer': 'clusters', paint: { 'line-color': '#1565c0', 'line-width': 1, 'line-dasharray': [3, 2] } })
}

function renderList(): void {
  if (!snap) return
  const items = snap.items.filter((i) => shown.has(i.class) && (!county || i.county_name === county))
  $('list').innerHTML = `<table><tr><th>序号</th><th>类别</th><th>宗地编号/批准文号</th><th>细类</th><th>区县</th><th>集聚区</th><th>面积(亩)</th><th>起始日期</th><th>责任单位</th></tr>
    ${items.map((i) => `<tr data-seq="${i.seq}" data-testid="item-${escapeHtml(i.ref)}"><td class="n">${i.seq}</td>
      <td><span class="swatch" style="background:${COLOURS[i.class]}"></span>${escapeHtml(i.class_label)}</td><td>${escapeHtml(i.ref)}</td>
      <td>${escapeHtml(i.detail ?? '')}</td><td>${escapeHtml(i.county_name)}</td><td>${escapeHtml(i.cluster_name ?? '集聚区外')}</td>
      <td class="n">${num(i.area_mu)}</td><td>${escapeHtml(i.since ?? '')}</td><td>${escapeHtml(i.responsible_unit)}</td></tr>`).join('')
      || '<tr><td colspan="9">无</td></tr>'}</table>`
  for (const tr of $('list').querySelectorAll<HTMLTableRowElement>('tr[data-seq]')) {
    tr.onclick = () => {
      const i = snap!.items.find((x) => x.seq === Number(tr.dataset.seq))
      if (i) map.flyTo({ center: [i.lon, i.lat], zoom: 16 })
    }
  }
  for (const l of ['disclosure-fill', 'disclosure-line']) if (map.getLayer(l)) map.setFilter(l, filter())
}

async function open(id: number | 'latest'): Promise<void> {
  hook.ready = false
  snap = await get<Snapshot>(`/api/disclosure/snapshots/${id}`)
  hook.snapshot = snap.id
  $('counts').innerHTML = Object.entries(snap.counts).map(([c, v]) => `<span>${NAMES[c]} <b>${v.items}</b> 宗（${num(v.area_mu)} 亩）</span>`).join('')
  const unpublished = snap.settings.flatMap((s) => (['unsupplied', 'idle', 'inefficient'] as const).filter((c) => !s[c]).map((c) => `${s.county_name}${NAMES[c]}`))
  $('footer').textContent = `公开日期 ${snap.as_of}，发布于 ${snap.published_at.slice(0, 10)}。本页公开地块位置、面积、类别、起始日期与责任单位；企业税收、产值、地价及个人信息不予公开。`
    + (unpublished.length ? ` 本期未公开：${unpublished.join('、')}。` : '')
  const counties = [...new Set(snap.items.map((i) => i.county_name))].sort()
  $('county').innerHTML = '<option value="">全部</option>' + counties.map((c) => `<option>${escapeHtml(c)}</option>`).join('')
  county = ''
  const base = `/api/disclosure/snapshots/${snap.id}`
  $('downloads').innerHTML = `下载：<a href="${base}/export.csv" data-testid="download-csv">CSV</a> · <a href="${base}/export.xlsx">XLSX</a> · <a href="${base}/export.geojson">GeoJSON</a>`
  renderList()
  addLayers(snap.id)
  if (snap.items.length) {
    const lons = snap.items.map((i) => i.lon)
    const lats = snap.items.map((i) => i.lat)
    map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 60, maxZoom: 15, duration: 0 })
  }
  map.once('idle', () => { hook.ready = true })
  map.triggerRepaint()
}

async function init(): Promise<void> {
  await new Promise<void>((resolve) => (map.loaded() ? resolve() : map.once('load', () => resolve())))
  addClusters()
  const { snapshots } = await get<{ snapshots: { id: number; as_of: string }[] }>('/api/disclosure/snapshots')
  if (snapshots.length === 0) {
    $('list').innerHTML = '<p>尚未发布公开清单。</p>'
    hook.ready = true
    return
  }
  const wanted = Number(new URLSearchParams(location.search).get('snapshot'))
  $('snapshot').innerHTML = snapshots.map((s) => `<option value="${s.id}"${s.id === wanted ? ' selected' : ''}>${escapeHtml(s.as_of)}（第 ${s.id} 号）</option>`).join('')
  $<HTMLSelectElement>('snapshot').onchange = () => void open(Number($<HTMLSelectElement>('snapshot').value))
  for (const box of document.querySelectorAll<HTMLInputElement>('#bar input[data-class]')) {
    box.onchange = () => {
      if (box.checked) shown.add(box.dataset.class!)
      else shown.delete(box.dataset.class!)
      renderList()
    }
  }
  $<HTMLSelectElement>('county').onchange = () => {
    county = $<HTMLSelectElement>('county').value
    renderList()
  }
  await open(snapshots.some((s) => s.id === wanted) ? wanted : snapshots[0]!.id)
}

void init().catch((e) => {
  hook.error = String(e)
  $('list').innerHTML = `<p style="color:#c62828">${escapeHtml(e instanceof Error ? chinese(e.message) : e)}</p>`
})
