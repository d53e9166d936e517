/** Serves the built web map (web-map/dist) at /, when it has been built. */
import fs from 'node:fs'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'

export default fp(async (app) => {
  const dist = app.config.webDist
  if (!fs.existsSync(dist)) {
    app.log.warn({ dist }, 'web map not built (npm run build); serving the API only')
    return
  }
  await app.register(fastifyStatic, { root: dist, prefix: '/', wildcard: true })
}, { name: 'web-map' })
