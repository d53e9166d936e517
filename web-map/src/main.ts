/** The one map (一张图): builds the MapLibre map, adds the server's tile layers for the signed-in
 * role, and wires the panels (login, search, legend and filters, cluster overview, parcel card,
 * upload, measure) and the surveyor's coordinate read-out. */
import 'maplibre-gl/dist/maplibre-gl.css'
import './styles.css'
import {
  Map as MapLibreMap, NavigationControl, Popup, ScaleControl, setWorkerUrl,
  type FeatureIdentifier, type LayerSpecification, type MapGeoJSONFeature, type VectorTileSource,
} from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import * as api from './api'
import { offlineStyle, tiandituSource, TIANDITU_LAYERS, type TiandituKind } from './basemap'
import { CardPanel } from './card'
import { describeGaussKruger } from './coords'
import { escapeHtml, label, MAP_LOCALE, mu } from './format'
import { LABEL_ORDER, LABEL_SOURCES, LAYER_GROUPS, parcelFilter } from './layers'
import { followParcelLabels, pointsOf } from './label-points'
import { FilterPanel, LegendPanel, type Filters } from './legend'
import { can, LoginPanel } from './login'
import { MeasureTool } from './measure'
import { boundsOf, ClusterOverview } from './overview'
import { SearchBox } from './search'
import { UploadPanel } from './upload'
import { DashboardPanel } from './dashboard'
import { InboxPanel } from './inbox'
import { ClusterCounts } from './cluster-counts'
import { LegendControl, ToolbarControl } from './map-controls'
import { AdminPanel } from './admin/panel'

// MapLibre's worker as a file of this build (served from this origin like everything else).
setWorkerUrl(workerUrl)

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

/** Luoyang, where the 18 clusters are. */
const HOME: [number, number] = [112.45, 34.62]

let user: api.User | null = null
let settings: api.MapSettings = { tiandituToken: null, sensitiveRoles: [] }
let catalog = new Map<string, api.LayerInfo>()
const visible: Record<string, boolean> = Object.fromEntries(LAYER_GROUPS.map((g) => [g.id, g.visible]))
let filters: Filters = { cluster: null, county: null, classes: null }
let tileVersion = 0
let clusterData: api.ClusterCollection | null = null
let hovered: FeatureIdentifier | null = null
let selected: FeatureIdentifier | null = null

const sameOrigin = (url: string) => url.startsWith(location.origin + '/')

const map = new MapLibreMap({
  container: 'map',
  style: offlineStyle(),
  center: HOME,
  zoom: 9,
  minZoom: 5,
  maxZoom: 19,
  // the view in the address (#zoom/lat/lon): a link shows a colleague the same place
  hash: true,
  // The bearer token goes to this server only, never to a basemap provider.
  transformRequest: (url) => (sameOrigin(url) ? { url, headers: api.authHeaders() } : { url }),
  localIdeographFontFamily: 'sans-serif',
  locale: MAP_LOCALE,
  attributionControl: { compact: true },
  // labels appear at once: a fade is ~20 frames, and a frame without a GPU (software WebGL,
  // e.g. a locked-down office PC) costs 0.1–0.6 s at this size, each holding up the tiles' turn
  fadeDuration: 0,
})
map.addControl(new NavigationControl({ visualizePitch: false }), 'top-right')
map.addControl(new ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right')
// the legend (collapsible, closed on a phone) and the tools on the map itself (map-controls.ts)
map.addControl(new LegendControl($('legend'), matchMedia('(max-width: 700px)').matches), 'top-right')
map.addControl(new ToolbarControl($('tools')), 'top-left')

/** For the browser tests and for debugging in the console. */
const hook = { map, builds: 0, user: () => user, clusterCounts: () => clusterCounts.counts }
;(window as unknown as { onemap: typeof hook }).onemap = hook

const measure = new MeasureTool(map, $('measure-output'), (active) => $('tools').classList.toggle('measuring', active))
// a commit may change any layer drawn from the tables it wrote (parcels, batches, remainders…)
const upload = new UploadPanel($('upload-panel'), map, () => refreshTiles(LAYER_GROUPS.map((g) => g.id)))
const dashboard = new DashboardPanel($('dashboard-panel'), $<HTMLButtonElement>('open-dashboard'), map, () => settings.sensitiveRoles)
const card = new CardPanel($('card-panel'), () => user, () => settings.sensitiveRoles,
  () => refreshTiles(['parcels', 'unsupplied', 'alerts']), () => select(null))
const inbox = new InboxPanel(map, { openParcel: (code) => { closeUpload(); void card.open(code) }, changed: () => refreshTiles(['alerts', 'parcels']) })
const admin = new AdminPanel(() => refreshTiles(LAYER_GROUPS.map((g) => g.id)))
const legend = new LegendPanel($('legend'), (group, on) => {
  visible[group] = on
  for (const l of LAYER_GROUPS.find((g) => g.id === group)!.layers) {
    if (map.getLayer(l.id)) map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none')
  }
})
const filterPanel = new FilterPanel($('filters'), (f) => {
  filters = f
  applyFilters()
})
const overview = new ClusterOverview($('overview'), (code, bounds) => {
  map.fitBounds(bounds, { padding: 40, duration: 600 })
  setClusterSelection(code)
})
const search = new SearchBox($<HTMLInputElement>('search'), $('search-results'), (hit) => {
  const b = boundsOf([hit.geometry])
  if (b) map.fitBounds(b, { padding: 120, maxZoom: 17, duration: 800 })
  closeUpload()
  void card.open(hit.properties.code)
  map.once('idle', () => selectParcelByCode(hit.properties.code))
})
const login = new LoginPanel($('login'), (u) => void onUser(u))

// ---- data layers ------------------------------------------------------------------------------

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] }
const clusterLabelData = (c: api.ClusterCollection) => pointsOf(c.features, ['code', 'short_name'])
// below the parcel zoom each cluster's label says what the analysis finds in it (cluster-counts.ts)
const clusterCounts = new ClusterCounts(map, () => clusterData && clusterLabelData(clusterData), () => parcelZoom())
// a parcel's code once, from the zoom its label layer starts at
followParcelLabels(map, 'parcel-labels', 15, ['code', 'cluster_code', 'county_code', 'class', 'class_detail', 'stage'])

/** (Re)builds the tile sources and layers for the current role: fields and access differ by role,
 * so the sources are replaced on login and logout, not patched. */
async function buildDataLayers(prefetched?: Promise<{ layers: api.LayerInfo[] }>): Promise<void> {
  const cat = await (prefetched ?? api.tileCatalog())
  catalog = new Map(cat.layers.map((l) => [l.id, l]))
  hovered = null
  selected = null
  for (const g of LAYER_GROUPS) {
    for (const l of g.layers) if (map.getLayer(l.id)) map.removeLayer(l.id)
    if (map.getSource(g.id)) map.removeSource(g.id)
  }
  const before = map.getLayer('staged-fill') ? 'staged-fill' : undefined
  const groups = LAYER_GROUPS.filter((g) => catalog.get(g.id)?.available)
  // The parcels' source first: MapLibre asks for tiles source by source in the order the sources
  // were added, and the browser opens 6 connections to this server; added in drawing order, the
  // parcel tiles (the map's subject) waited behind the 4–5 layers under them (measured at 1M
  // parcels, zoom 12: 45 other tiles ahead, 1.3–2.1 s to a parcel tile's first byte).
  for (const g of [...groups].sort((a, b) => Number(b.id === 'parcels') - Number(a.id === 'parcels'))) {
    const info = catalog.get(g.id)!
    // The catalog carries what the TileJSON would (zoom range, promoteId): one round trip fewer
    // per layer before the first tiles. /tiles/{layer}.json stays for other clients (QGIS…).
    map.addSource(g.id, {
      type: 'vector',
      tiles: [tileUrl(g.id)],
      minzoom: info.minzoom,
      maxzoom: info.maxzoom,
      ...(info.promoteId ? { promoteId: info.promoteId } : {}),
    })
  }
  for (const g of groups) {
    for (const l of g.layers) {
      const labels = LABEL_SOURCES[l.id]
      if (labels) {
        if (!map.getSource(labels)) map.addSource(labels, { type: 'geojson', data: labels === 'cluster-labels' && clusterData ? clusterLabelData(clusterData) : EMPTY })
        map.addLayer({ ...l, source: labels, layout: { ...(l.layout ?? {}), visibility: visible[g.id] === false ? 'none' : 'visible' } } as LayerSpecification, before)
        continue
      }
      map.addLayer({
        ...l, source: g.id, 'source-layer': g.id,
        layout: { ...(l.layout ?? {}), visibility: visible[g.id] === false ? 'none' : 'visible' },
      } as LayerSpecification, before)
    }
  }
  for (const id of LABEL_ORDER) if (map.getLayer(id)) map.moveLayer(id, before)
  upload.install()
  measure.install()
  applyFilters()
  legend.render(catalog, visible)
  clusterCounts.apply()
  hook.builds++
}

function applyFilters(): void {
  const f = parcelFilter(filters)
  for (const id of ['parcels-fill', 'parcels-line', 'parcels-label']) if (map.getLayer(id)) map.setFilter(id, f)
}

/** Makes the map fetch the given layers' tiles again (after an edit or a commit). The server has
 * dropped its cached tiles already; a new URL makes MapLibre drop its own. */
function refreshTiles(layers: string[]): void {
  tileVersion++
  for (const id of layers) {
    const source = map.getSource(id) as VectorTileSource | undefined
    if (source) source.setTiles([tileUrl(id)])
  }
}

const tileUrl = (layer: string) => `${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt${tileVersion ? `?v=${tileVersion}` : ''}`

// ---- hover, selection, clicks -----------------------------------------------------------------

function setState(target: FeatureIdentifier | null, state: Record<string, boolean>): void {
  if (target && map.getSource(String(target.source))) map.setFeatureState(target, state)
}

function select(target: FeatureIdentifier | null): void {
  setState(selected, { selected: false })
  selected = target
  setState(selected, { selected: true })
}

function setClusterSelection(code: string | null): void {
  if (!map.getSource('clusters')) return
  for (const f of map.querySourceFeatures('clusters', { sourceLayer: 'clusters' })) {
    map.setFeatureState({ source: 'clusters', sourceLayer: 'clusters', id: f.id! }, { selected: f.properties.code === code })
  }
}

function selectParcelByCode(code: string): void {
  if (!map.getSource('parcels')) return
  const f = map.querySourceFeatures('parcels', { sourceLayer: 'parcels', filter: ['==', ['get', 'code'], code] })[0]
  if (f?.id !== undefined) select({ source: 'parcels', sourceLayer: 'parcels', id: f.id })
}

const identify = (f: MapGeoJSONFeature): FeatureIdentifier => ({ source: f.source, sourceLayer: f.sourceLayer, id: f.id! })

map.on('mousemove', 'parcels-fill', (e) => {
  const f = e.features?.[0]
  if (!f || f.id === undefined) return
  if (hovered?.id !== f.id) {
    setState(hovered, { hover: false })
    hovered = identify(f)
    setState(hovered, { hover: true })
  }
  map.getCanvas().style.cursor = measure.active ? 'crosshair' : 'pointer'
  $('hover-info').textContent = `${f.properties.code} · ${label('stage', f.properties.stage)} · ${mu(f.properties.area_mu)}`
})
map.on('mouseleave', 'parcels-fill', () => {
  setState(hovered, { hover: false })
  hovered = null
  map.getCanvas().style.cursor = measure.active ? 'crosshair' : ''
  $('hover-info').textContent = ''
})

map.on('click', (e) => {
  if (measure.active) return
  const layers = ['alerts-circle', 'parcels-fill', 'changes-fill'].filter((id) => map.getLayer(id))
  const f = layers.length ? map.queryRenderedFeatures(e.point, { layers })[0] : undefined
  if (!f) return
  if (f.layer.id === 'parcels-fill') {
    select(identify(f))
    closeUpload()
    void card.open(String(f.properties.code))
    return
  }
  const p = f.properties
  const html = f.layer.id === 'alerts-circle'
    ? `<b>巡查预警</b><br>${escapeHtml(label('alertType', p.type))}（${escapeHtml(label('severity', p.severity))}）<br>状态：${escapeHtml(label('alertStatus', p.status))}${p.parcel_code ? `<br>宗地：${escapeHtml(p.parcel_code)}` : ''}`
    : `<b>变化图斑 ${escapeHtml(p.code)}</b><br>${escapeHtml(label('changeType', p.change_type))}，${escapeHtml(p.image_before)} → ${escapeHtml(p.image_after)}`
  new Popup({ closeButton: true }).setLngLat(e.lngLat).setHTML(html).addTo(map)
})

/** The Gauss-Kruger zone of the read-out: the one chosen (kept in this browser), else the pointer's. */
const GK_ZONE_KEY = 'onemap.gkZone'
const gkZone = () => { const z = Number(localStorage.getItem(GK_ZONE_KEY)); return z >= 25 && z <= 45 ? z : null }
const COORDS_IDLE = $('coords').textContent ?? ''
const zoneSelect = $<HTMLSelectElement>('gk-zone')
zoneSelect.value = String(gkZone() ?? '')
zoneSelect.onchange = () => {
  if (zoneSelect.value) localStorage.setItem(GK_ZONE_KEY, zoneSelect.value)
  else localStorage.removeItem(GK_ZONE_KEY)
}
map.on('mousemove', (e) => {
  const { lng, lat } = e.lngLat
  $('coords').textContent = `${lng.toFixed(6)}°E ${lat.toFixed(6)}°N  ${describeGaussKruger(lng, lat, gkZone())}`
})
// the read-out is of the pointer: gone with it
map.getCanvasContainer().addEventListener('mouseleave', () => { $('coords').textContent = COORDS_IDLE })

// ---- basemap, tools, panels -------------------------------------------------------------------

function setTianditu(kind: TiandituKind | null): void {
  for (const id of TIANDITU_LAYERS) if (map.getLayer(id)) map.removeLayer(id)
  for (const id of ['tdt-base', 'tdt-annotation']) if (map.getSource(id)) map.removeSource(id)
  if (!kind || !settings.tiandituToken) return
  const first = map.getStyle().layers.find((l) => l.id !== 'background')?.id
  map.addSource('tdt-base', tiandituSource(kind, settings.tiandituToken))
  map.addSource('tdt-annotation', tiandituSource(kind === 'img' ? 'cia' : 'cva', settings.tiandituToken))
  map.addLayer({ id: 'tdt-base', type: 'raster', source: 'tdt-base' }, first)
  map.addLayer({ id: 'tdt-annotation', type: 'raster', source: 'tdt-annotation' }, first)
}

function renderBasemapChooser(): void {
  const el = $('basemap')
  if (!settings.tiandituToken) {
    el.innerHTML = '<p class="muted">离线底图（未配置天地图密钥）</p>'
    return
  }
  el.innerHTML = `<label><input type="radio" name="basemap" value="" checked> 离线底图</label>
    <label><input type="radio" name="basemap" value="vec"> 天地图矢量</label>
    <label><input type="radio" name="basemap" value="img"> 天地图影像</label>`
  for (const r of el.querySelectorAll<HTMLInputElement>('input[name=basemap]')) {
    r.onchange = () => setTianditu((r.value || null) as TiandituKind | null)
  }
}

function closeUpload(): void {
  if (!$('upload-panel').hidden) void upload.close()
}

// on a phone the sidebar is a bottom sheet: its handle opens and closes it
$('sidebar-toggle').onclick = () => {
  const open = $('sidebar').classList.toggle('open')
  $('sidebar-toggle').setAttribute('aria-expanded', String(open))
}

$('measure-length').onclick = () => measure.start('length')
$('measure-area').onclick = () => measure.start('area')
$('measure-clear').onclick = () => measure.stop()
$('open-upload').onclick = () => {
  card.close()
  upload.open()
}

/** One panel open at a time (card, upload, dashboard, inbox): opening one closes the others, so
 * that the map is never squeezed between two of them. */
const PANELS: Record<string, () => void> = {
  'card-panel': () => card.close(),
  'upload-panel': () => closeUpload(),
  'dashboard-panel': () => dashboard.close(),
  'inbox-panel': () => inbox.close(),
  'admin-panel': () => admin.close(),
}
const panelWatch = new MutationObserver((records) => {
  for (const r of records) {
    const el = r.target as HTMLElement
    if (el.hidden || r.oldValue === null) continue
    // on a phone the sidebar's sheet steps down under a panel's
    $('sidebar').classList.remove('open')
    for (const [id, close] of Object.entries(PANELS)) if (id !== el.id && !$(id).hidden) close()
  }
})
for (const id of Object.keys(PANELS)) panelWatch.observe($(id), { attributes: true, attributeFilter: ['hidden'], attributeOldValue: true })

/** Shows only what the role may do. */
function renderRole(): void {
  login.render(user)
  search.setEnabled(!!user)
  $('open-upload').hidden = !can.upload(user)
  dashboard.setUser(user)
  inbox.render(user)
  admin.render(user)
  document.body.dataset.role = user?.role ?? 'public'
}

/** Admins see what needs them (a missed or failed backup) as soon as they are signed in. */
function renderNotices(u: api.User | null): void {
  $('system-notices').textContent = (u?.notices ?? []).map((n) => n.message).join('；')
}

/** The zoom from which parcels are drawn (the parcel layer's minzoom). */
const parcelZoom = () => catalog.get('parcels')?.minzoom ?? 12

/** After login the map goes where the user works: a county's user to the largest cluster of their
 * county, at a zoom where its parcels are drawn (DOMAIN.md "Places"); a city-wide user stays on the
 * city, where the hint says to zoom in. */
function goToUser(u: api.User | null): void {
  if (!u?.county_scope || !clusterData) return
  const mine = clusterData.features.filter((f) => u.county_scope!.includes(f.properties.county_code))
  const largest = [...mine].sort((a, b) => Number(b.properties.area_mu) - Number(a.properties.area_mu))[0]
  const bounds = largest && boundsOf([largest.geometry])
  if (!bounds) return
  const camera = map.cameraForBounds(bounds, { padding: 20 })
  if (!camera?.center) return
  map.jumpTo({ center: camera.center, zoom: Math.max(camera.zoom ?? parcelZoom(), parcelZoom() + 0.5) })
}

/** Below the parcel zoom a signed-in user is told to zoom in (parcels are not drawn there). */
function renderZoomHint(): void {
  const hint = $('zoom-hint')
  const below = !!user && map.getZoom() < parcelZoom()
  hint.hidden = !below
  if (below) hint.textContent = `放大到第 ${parcelZoom()} 级以上显示宗地（当前 ${map.getZoom().toFixed(1)} 级）`
}
map.on('zoomend', renderZoomHint)

async function onUser(u: api.User | null): Promise<void> {
  // the login answer carries no notices: an admin's come with /api/auth/me
  if (u?.role === 'admin') u = (await api.me()) ?? u
  renderNotices(u)
  user = u
  card.close()
  closeUpload()
  renderRole()
  if (map.loaded() || map.isStyleLoaded()) await buildDataLayers()
  // where the user works first: the cluster counts are asked for only below the parcel zoom
  goToUser(u)
  void clusterCounts.refresh(u)
  renderZoomHint()
}

async function start(): Promise<void> {
  // the layer catalog is asked for at once, alongside the rest, not after the map has loaded
  const catalogRequest = api.tileCatalog()
  const [s, u, clusters] = await Promise.all([api.mapSettings(), api.me(), api.clusters()])
  settings = s
  user = u
  clusterData = clusters
  const names = new Map(clusters.features.map((f) => [f.properties.county_code, f.properties.county_name]))
  login.countyName = (code) => names.get(code) ?? code
  renderNotices(u)
  renderRole()
  renderBasemapChooser()
  overview.render(clusters)
  filterPanel.render(clusters.features.map((f) => f.properties))
  // the data layers go in as soon as the style is there, not after 'load' (the first frame drawn):
  // their tiles are then asked for with that frame, not after it (a frame without a GPU costs
  // ~0.3 s at this size, measured in headless Chromium)
  if (!map.isStyleLoaded()) await new Promise<void>((resolve) => map.once('style.load', () => resolve()))
  // (with a stale token the catalog route answers as to the public, which is what the map then is)
  await buildDataLayers(catalogRequest)
  void clusterCounts.refresh(user)
  renderZoomHint()
}

start().catch((e) => {
  $('status-error').textContent = `地图启动失败：${e instanceof api.ApiError ? e.message.split(' / ')[0] : String(e)}`
  console.error(e)
})
