/** The basemap. By default nothing leaves the machine: a plain background under the cluster
 * boundaries and plan zones this server tiles itself, and labels drawn from the browser's own
 * fonts (no glyphs URL). With a 天地图 (Tianditu) key configured, its vector or imagery raster
 * with Chinese annotation can be switched on under the data. */
import type { StyleSpecification, RasterSourceSpecification } from 'maplibre-gl'

export const BACKGROUND = '#f3f1ea'

export function offlineStyle(): StyleSpecification {
  return {
    version: 8,
    name: 'OneMap 离线底图',
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }],
  }
}

export type TiandituKind = 'vec' | 'img'

/** 天地图 WMTS in Web Mercator (the _w services); `t0`–`t7` are its load-balanced hosts. */
export function tiandituSource(kind: TiandituKind | 'cva' | 'cia', token: string): RasterSourceSpecification {
  const tiles = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
    `https://t${i}.tianditu.gov.cn/${kind}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${kind}&STYLE=default` +
    `&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(token)}`)
  return { type: 'raster', tiles, tileSize: 256, maxzoom: 18, attribution: '© 天地图 国家地理信息公共服务平台' }
}

/** The ids of the basemap layers added for a Tianditu kind (image/vector + annotation). */
export const TIANDITU_LAYERS = ['tdt-base', 'tdt-annotation']
