/** The coordinates under the cursor as a surveyor reads them: CGCS2000 3-degree Gauss-Kruger,
 * the zone chosen from the longitude (zone n has its central meridian at 3n °E; Luoyang lies
 * across zones 37 and 38), X northing and Y easting with the zone number in front
 * (EPSG:4513–4533, e.g. Y = 37 512 345.67). The ellipsoid is CGCS2000's (GRS 80 to 0.1 mm). */
import proj4 from 'proj4'

export interface GaussKruger {
  zone: number
  centralMeridian: number
  /** EPSG of the zone with the zone-number prefix (4513 = zone 25 … 4533 = zone 45). */
  epsg: number
  /** Northing, m. */
  x: number
  /** Easting with the zone number in front, m. */
  y: number
}

const converters = new Map<number, proj4.Converter>()

function converter(zone: number): proj4.Converter {
  let c = converters.get(zone)
  if (!c) {
    const def = `+proj=tmerc +lat_0=0 +lon_0=${zone * 3} +k=1 +x_0=${zone * 1_000_000 + 500_000} +y_0=0 +ellps=GRS80 +units=m +no_defs`
    c = proj4('EPSG:4326', def)
    converters.set(zone, c)
  }
  return c
}

/** 3-degree zone of a longitude: the nearest multiple of 3 °E is its central meridian. */
export const zoneOf = (lon: number) => Math.round(lon / 3)

/** In the zone given (the one the bureau's data uses), else in the pointer's own zone. */
export function toGaussKruger(lon: number, lat: number, fixedZone: number | null = null): GaussKruger {
  const zone = fixedZone ?? zoneOf(lon)
  const [easting, northing] = converter(zone).forward([lon, lat])
  return { zone, centralMeridian: zone * 3, epsg: 4513 + zone - 25, x: northing!, y: easting! }
}

/** The read-out; with a fixed zone, the pointer's own zone is named beside when it differs (Luoyang
 * lies across 112.5°E, the edge of zones 37 and 38). */
export function describeGaussKruger(lon: number, lat: number, fixedZone: number | null = null): string {
  const g = toGaussKruger(lon, lat, fixedZone)
  const own = zoneOf(lon)
  const aside = fixedZone !== null && own !== fixedZone ? `（指针位于第${own}带）` : ''
  return `CGCS2000 3°带 第${g.zone}带${fixedZone !== null ? '（固定）' : ''}（中央经线 ${g.centralMeridian}°E，EPSG:${g.epsg}）  X ${g.x.toFixed(2)} m  Y ${g.y.toFixed(2)} m${aside}`
}
