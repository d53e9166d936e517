/** `npm run bench`: every benchmark of scripts/bench/, each printing its own baseline measured in
 * the same run and the ratio to it. `npm run bench -- tiles ingest` runs only those named, and
 * `npm run bench -- province` the opt-in province-sized world (not part of the default run). Each
 * runs in a node process of its own, so that one's memory (a peak RSS is a process's whole life)
 * and leftovers do not show in the next one's numbers. */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const BENCHES: Record<string, { file: string; fn: string }> = {
  parcels: { file: 'parcels.ts', fn: 'benchParcels' },
  analysis: { file: 'analysis.ts', fn: 'benchAnalysis' },
  ingest: { file: 'ingest.ts', fn: 'benchIngest' },
  tiles: { file: 'tiles.ts', fn: 'benchTiles' },
  alerts: { file: 'alerts.ts', fn: 'benchAlerts' },
  ogc: { file: 'ogc.ts', fn: 'benchOgc' },
  'scale-out': { file: 'scale-out.ts', fn: 'benchScaleOut' },
  exports: { file: 'exports.ts', fn: 'benchExports' },
  'replica-lag': { file: 'scale-out.ts', fn: 'benchReplicaLag' },
  province: { file: 'province.ts', fn: 'benchProvince' },
  embedded: { file: 'embedded.ts', fn: 'benchEmbedded' },
}
/** Run only when named: a million parcels take about a quarter of an hour on 2 cores. */
const OPT_IN = new Set(['province'])

const HERE = path.dirname(fileURLToPath(import.meta.url))

function main(): void {
  const wanted = process.argv.slice(2)
  const names = wanted.length ? wanted : Object.keys(BENCHES).filter((n) => !OPT_IN.has(n))
  const unknown = names.filter((n) => !BENCHES[n])
  if (unknown.length) throw new Error(`unknown benchmark "${unknown.join('", "')}" (known: ${Object.keys(BENCHES).join(', ')})`)
  const failed: string[] = []
  for (const name of names) {
    const b = BENCHES[name]!
    const url = pathToFileURL(path.join(HERE, b.file)).href
    console.log(`\n=== ${name} ===`)
    const t0 = Date.now()
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      `const m = await import(${JSON.stringify(url)}); await m[${JSON.stringify(b.fn)}]()`], { stdio: 'inherit' })
    if (r.status !== 0) failed.push(name)
    console.log(`=== ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s${r.status !== 0 ? ` — FAILED (exit ${r.status ?? r.signal})` : ''} ===`)
  }
  if (failed.length) {
    console.error(`benchmarks failed: ${failed.join(', ')}`)
    process.exit(1)
  }
}

main()
