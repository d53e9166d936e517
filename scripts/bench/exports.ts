/** Benchmark of the exports (GET /api/exports/{collection}) over 100,000
 * generated parcels (tiles-data.sql: a contract and tax figures on every fifth) in a throwaway
 * PostgreSQL cluster: each streamed format of the whole parcels collection, as an analyst (the
 * widest field set), read over HTTP to the last byte and thrown away. Printed per format: the
 * time, the file's size, features per second, and the server's peak RSS above its RSS before
 * the export (sampled every 20 ms; the app runs in this process, the reading client too, which
 * holds no more than a chunk). Baseline measured in the same run: the export's own SQL (the
 * batches of 2000 it reads, server/exports/source.ts) run direct with nothing written, so the
 * ratio is the cost of the writing. GeoPackage and DXF are built in memory and refused past
 * 200,000 features: they show here as what they cost, the streamed ones as what they do not. */
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { startPgCluster } from '../../server/test/pg-cluster'
import { openDatabase } from '../../server/db/connect'
import { pgp } from '../../server/db/pgp'
import { sqlLoader } from '../../server/db/sql'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { hashPassword } from '../../server/auth'
import { insertSeedClusters } from '../../server/test/tiles-fixture'
import { findCollection, fieldsOf } from '../../server/ogc/collections'
import { exportCrsOf } from '../../server/exports/crs'
import { batchQuery } from '../../server/exports/source'
import { EXPORT_BATCH } from '../../server/exports/routes'
import type { ItemsRequest } from '../../server/ogc/sql'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
const DATA = sqlLoader(import.meta.url)('tiles-data.sql')
const N = Number(process.env.EXPORT_BENCH_N ?? 100_000)
const GRID = { columns: 400, west: 112.30, south: 34.52, dlon: 100 / 91_620, dlat: 80 / 110_950 }
const FORMATS = (process.env.EXPORT_BENCH_FORMATS ?? 'geojson,csv,shp,xlsx,kml,gpkg').split(',')
const MB = (b: number) => `${(b / 1048576).toFixed(1)} MB`

export async function benchExports(): Promise<void> {
  const cluster = await startPgCluster()
  const admin = pgp(cluster.url)
  let closeAll = async () => { cluster.stop() }
  try {
    await admin.none('CREATE DATABASE onemap_export_bench')
    await admin.$pool.end()
    const database = await openDatabase({ databaseUrl: cluster.urlFor('onemap_export_bench'), dataDir: '' })
    await insertSeedClusters(database.db, path.join(ROOT, 'fixtures', 'luoyang-clusters.json'))
    await database.db.tx((t) => t.none(DATA, { n: N, ...GRID }))
    const app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off' }), database })
    closeAll = async () => {
      await app.close()
      await database.close()
      cluster.stop()
    }
    await database.db.users.create({ username: 'bench', display_name: 'bench', role: 'analyst', county_scope: null, password_hash: await hashPassword('bench-pass-1') })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }) })
    const headers = { authorization: `Bearer ${(await login.json() as { token: string }).token}` }
    console.log(`${N} parcels; batches of ${EXPORT_BATCH}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)

    // baseline: the export's own batches, run direct (keyset by the last key), nothing written
    const c = findCollection('parcels')!
    const attrs = fieldsOf(c, { role: 'analyst', scope: null }, app.config.sensitiveRoles)
    const crs = exportCrsOf('EPSG:4547')!
    const r: ItemsRequest = { scope: null, crs: crs.def, bbox: null, limit: 0, offset: 0, after: null, filter: null }
    const t0 = performance.now()
    let after: string | null = null
    let rows = 0
    for (;;) {
      const q = batchQuery(c, attrs, new Set(['analysis.parcel_status']), r, crs, { orient: 'cw' }, after, EXPORT_BATCH)
      const batch: { __key: string }[] = await database.db.any(q.text, q.values)
      rows += batch.length
      if (batch.length < EXPORT_BATCH) break
      after = batch[batch.length - 1]!.__key
    }
    const sqlMs = performance.now() - t0
    console.log(`SQL direct (the same batches, EPSG:4547): ${rows} rows in ${(sqlMs / 1000).toFixed(2)} s`)

    for (const format of FORMATS) {
      global.gc?.()
      const before = process.memoryUsage().rss
      let peak = before
      const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
      const s0 = performance.now()
      const crsName = format === 'kml' ? 'EPSG:4490' : 'EPSG:4547'
      const res = await fetch(`${base}/api/exports/parcels?format=${format}&crs=${crsName}`, { headers })
      let bytes = 0
      const reader = res.body!.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        bytes += value.byteLength
      }
      const took = performance.now() - s0
      clearInterval(timer)
      peak = Math.max(peak, process.memoryUsage().rss)
      if (res.status !== 200) {
        console.log(`${format}: ${res.status}`)
        continue
      }
      console.log(`${format.padEnd(8)} ${res.headers.get('x-feature-count')} features, ${MB(bytes).padStart(9)} in ${(took / 1000).toFixed(2)} s`
        + ` (${Math.round(Number(res.headers.get('x-feature-count')) / (took / 1000))} features/s, ${(took / sqlMs).toFixed(1)}× the SQL direct);`
        + ` peak RSS +${MB(peak - before)} over ${MB(before)} (${((peak - before) / bytes).toFixed(2)}× the file)`)
    }
  } finally {
    await closeAll()
  }
}
