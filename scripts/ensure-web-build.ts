/** Builds the web map (web-map/ → web-map/dist) when it has not been built, or when a source file
 * is newer than the build; does nothing otherwise. Run before the server by `npm start`. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web-map')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'test' || entry.name === 'node_modules') continue
    const p = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

export async function ensureWebBuild(outDir = path.join(root, 'dist')): Promise<'built' | 'fresh'> {
  const index = path.join(outDir, 'index.html')
  // the labels (server/labels/) are built into the map as well
  const newest = Math.max(newestSource(root), newestSource(path.join(root, '..', 'server', 'labels')))
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newest) return 'fresh'
  const { build } = await import('vite')
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir } })
  return 'built'
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now()
  ensureWebBuild().then((r) => {
    if (r === 'built') console.log(`web map built in ${((Date.now() - t0) / 1000).toFixed(1)} s (web-map/dist)`)
  }).catch((e) => {
    console.error('building the web map failed:', e)
    process.exit(1)
  })
}
