import { beijingDate } from '../../server/labels/words'

/** Numbers as the bureau reads them: areas in 亩 with m² beside, money in 万元, dates as written. */

/** 1 mu = 10000/15 m² (DOMAIN.md "Units and coordinates"). */
export const M2_PER_MU = 10000 / 15

const nf = (digits: number) => new Intl.NumberFormat('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const N0 = nf(0)
const N2 = nf(2)

export function num(v: unknown, digits = 2): string {
  if (v === null || v === undefined || v === '') return '—'
  const n = Number(v)
  if (!Number.isFinite(n)) return String(v)
  return digits === 0 ? N0.format(n) : digits === 2 ? N2.format(n) : nf(digits).format(n)
}

export const mu = (v: unknown) => (v === null || v === undefined ? '—' : `${num(v)} 亩`)
export const m2 = (v: unknown) => (v === null || v === undefined ? '—' : `${num(v)} m²`)
export const wan = (v: unknown) => (v === null || v === undefined ? '—' : `${num(v)} 万元`)
export const metres = (v: number) => (v >= 1000 ? `${num(v / 1000, 3)} km` : `${num(v)} m`)

/** An area given in m², as "12.00 亩（8,000.00 m²）". */
export function areaM2(v: unknown): string {
  if (v === null || v === undefined) return '—'
  return `${num(Number(v) / M2_PER_MU)} 亩（${num(v)} m²）`
}

/** A date as written (2024-05-20); a moment is read in 北京时间 first (DOMAIN.md: the city's day). */
export const date = (v: unknown) => (v ? beijingDate(v) : '—')

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

// The Chinese names of codes come from the one source the server uses too (server/labels/): the
// map, the exports, the reports and the tiles' TileJSON say the same words.
export { CHANGE_TYPE as CHANGE_NAMES, ROLE as ROLE_NAMES, SEVERITY as SEVERITY_NAMES, STAGE as STAGE_NAMES, ZONE_TYPE as ZONE_NAMES } from '../../server/labels/codes'
export { label, classificationLabel } from '../../server/labels/codes'
export { actorLabel, alertReasonText, beijingDate, beijingTime, chinese, indicatorText } from '../../server/labels/words'

/** MapLibre's own words (its controls' titles and labels), in Chinese. */
export const MAP_LOCALE: Record<string, string> = {
  'AttributionControl.ToggleAttribution': '显示或隐藏数据来源', 'AttributionControl.MapFeedback': '地图反馈',
  'FullscreenControl.Enter': '全屏', 'FullscreenControl.Exit': '退出全屏', 'GeolocateControl.FindMyLocation': '定位到我的位置',
  'GeolocateControl.LocationNotAvailable': '无法定位', 'LogoControl.Title': '地图引擎标志', 'Map.Title': '地图', 'Marker.Title': '地图标记',
  'NavigationControl.ResetBearing': '拖动旋转地图，单击恢复正北', 'NavigationControl.ZoomIn': '放大', 'NavigationControl.ZoomOut': '缩小',
  'Popup.Close': '关闭', 'ScaleControl.Feet': '英尺', 'ScaleControl.Meters': 'm', 'ScaleControl.Kilometers': 'km', 'ScaleControl.Miles': '英里',
  'ScaleControl.NauticalMiles': '海里', 'GlobeControl.Enable': '球面显示', 'GlobeControl.Disable': '平面显示', 'TerrainControl.Enable': '显示地形',
  'TerrainControl.Disable': '隐藏地形', 'CooperativeGesturesHandler.WindowsHelpText': '按住 Ctrl 并滚动鼠标缩放地图',
  'CooperativeGesturesHandler.MacHelpText': '按住 ⌘ 并滚动鼠标缩放地图', 'CooperativeGesturesHandler.MobileHelpText': '用两根手指移动地图',
}
