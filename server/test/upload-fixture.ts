/** Test fixture for the upload API: the places every upload test needs (two counties, a cluster
 * in each), a multipart body builder for app.inject, GDAL's own ellipsoidal areas, and a
 * fingerprint of every live table (row counts and checksums) to prove a refused upload changed
 * nothing. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { Db } from '../db/pgp'
import { run } from './ingest-helpers'
import { seedPlaces as seedPlaceSet, uploadPlaces } from './places'

/** The upload tests' places (places.ts uploadPlaces): Luoyang's 14 counties, a cluster of 洛龙区 and one of 新安县. */
export const LUOLONG = '410311'
export const XINAN = '410323'

export const seedPlaces = (db: Db): Promise<void> => seedPlaceSet(db, uploadPlaces())

/** A multipart/form-data body for app.inject: text fields, then the file. */
export function multipart(fields: Record<string, string>, file?: { name: string; data: Buffer; field?: string }) {
  const boundary = '----onemap' + Math.random().toString(16).slice(2)
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n'))
    parts.push(file.data, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

export const uploadFile = (path: string, name = path.split('/').pop()!) => ({ name, data: readFileSync(path) })

/**
 * GDAL's own ellipsoidal area per feature, keyed by `keyField`: the file is reprojected to
 * EPSG:4326 by ogr2ogr (from `epsg`, or from its .prj when omitted), then SpatiaLite's
 * ST_Area(geometry, 1) measures it on the WGS 84 ellipsoid (CGCS2000's GRS80 differs from it by
 * 0.1 mm in the semi-minor axis).
 */
export function gdalAreas(src: string, dir: string, keyField: string, epsg?: number): Map<string, number> {
  const copy = join(dir, `gdal-area-${Math.random().toString(16).slice(2)}.geojson`)
  run('ogr2ogr', ['-f', 'GeoJSON', '-nln', 'area', ...(epsg ? ['-s_srs', `EPSG:${epsg}`] : []), '-t_srs', 'EPSG:4326', copy, src])
  const out = run('ogrinfo', ['-ro', '-q', '-dialect', 'SQLite', '-sql', `SELECT "${keyField}" AS k, ST_Area(GEOMETRY, 1) AS a FROM area`, copy])
  const areas = new Map<string, number>()
  let key: string | null = null
  for (const line of out.split('\n')) {
    const k = /^\s*k \(String\) = (.*)$/.exec(line)
    if (k) key = k[1]!
    const a = /^\s*a \(Real\) = (.*)$/.exec(line)
    if (a && key !== null) areas.set(key, Number(a[1]))
  }
  return areas
}

const LIVE_TABLES = [
  'county', 'cluster', 'plan_zone', 'approval_batch', 'enterprise', 'parcel', 'supply_contract', 'contract_indicator',
  'development_event', 'lease', 'enterprise_year', 'county_rule', 'rs_change', 'alert', 'disposal_ledger', 'event_log',
] as const

/** Row count and md5 of the sorted rows of every live land table. */
export async function liveFingerprint(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const t of LIVE_TABLES) {
    const r = await db.one(`SELECT count(*)::int AS n, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM $1:name x`, [t])
    out[t] = `${r.n}:${r.h}`
  }
  return out
}

export async function expectUnchanged(db: Db, before: Record<string, string>): Promise<void> {
  expect(await liveFingerprint(db)).toEqual(before)
}
