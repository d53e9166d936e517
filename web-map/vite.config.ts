/** Builds the one map (web-map/) into web-map/dist, which Fastify serves at /. `vite` in this
 * folder serves it for development, passing the API and the tiles to a running server. */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const server = process.env.ONEMAP_DEV_SERVER ?? 'http://127.0.0.1:3000'

export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // MapLibre is one large module by nature; warn only above it
    chunkSizeWarningLimit: 1600,
    sourcemap: true,
    // three pages: the map, the printable governance reports (login), the public disclosure (no login)
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        report: fileURLToPath(new URL('report.html', import.meta.url)),
        disclosure: fileURLToPath(new URL('disclosure.html', import.meta.url)),
      },
    },
  },
  server: { proxy: { '/api': server, '/tiles': server } },
})
