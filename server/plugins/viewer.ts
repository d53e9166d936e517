/** One request-scoped viewer (db/viewer.ts): set once per request, right after the auth plugin has
 * found the user, and read by every route, the tiles and the reports as `request.viewer`. */
import fp from 'fastify-plugin'
import { viewerFor, type Viewer } from '../db/viewer'

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer
  }
}

export default fp(async (app) => {
  const sensitiveRoles = app.config.sensitiveRoles
  app.decorateRequest('viewer', null as unknown as Viewer)
  // a plain hook (no promise per request on the hot paths); runs after auth's, registered before it
  app.addHook('onRequest', (request, _reply, done) => {
    request.viewer = viewerFor(request.user, sensitiveRoles)
    done()
  })
}, { name: 'viewer', dependencies: ['auth'] })
