/** `npm run bench`: every benchmark of scripts/bench/, each printing its own baseline measured in
 * the same run and the ratio to it. `npm run bench -- tiles ingest` runs only those named. */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const BENCHES: Record<string, { file: string; fn: string }> = {
  parcels: { file: 'parcels.ts', fn: 'benchParcels' },
  analysis: { file: 'analysis.ts', fn: 'benchAnalysis' },
  ingest: { file: 'ingest.ts', fn: 'benchIngest' },
  tiles: { file: 'tiles.ts', fn: 'benchTiles' },
  alerts: { file: 'alerts.ts', fn: 'benchAlerts' },
}

async function main() {
  const wanted = process.argv.slice(2)
  const names = wanted.length ? wanted : Object.keys(BENCHES)
  for (const name of names) {
    const b = BENCHES[name]
    if (!b) throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`)
    const mod = await import(pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), b.file)).href)
    console.log(`\n=== ${name} ===`)
    const t0 = Date.now()
    await mod[b.fn]()
    console.log(`=== ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s ===`)
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
