/** Serves the built web map (web-map/dist) at /, when it has been built (`npm run build`; `npm
 * start` builds it first when it is missing, scripts/ensure-web-build.ts), and the few settings
 * the page needs at /api/map-settings. */
import fs from 'node:fs'
import path from 'node:path'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'

export default fp(async (app) => {
  const token = app.config.tiandituToken

  app.get('/api/map-settings', {
    config: { access: 'public' },
    schema: {
      tags: ['system'], summary: '地图设置 / what the map page needs: the optional 天地图 key, the roles that see tax figures',
    },
  }, async () => ({ tiandituToken: token, sensitiveRoles: app.config.sensitiveRoles }))

  const dist = app.config.webDist
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    app.log.warn({ dist }, 'web map not built (npm run build); serving the API only')
    return
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    wildcard: true,
    // Vite puts a content hash in every asset name: those never change; the page itself may.
    setHeaders(reply, file) {
      reply.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })
}, { name: 'web-map' })
