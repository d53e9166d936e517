/** Every route declares who may call it (`config.access`): 'public', or a list of roles.
 * A route that forgets is refused when the app is built, so none can be left open by mistake. */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Role } from '../config'
import type { User } from '../db/repos/users'
import { hashToken } from '../auth'
import { HttpError, MESSAGES } from '../errors'

export type Access = 'public' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    user: User | null
  }
}

/** Routes that belong to libraries (OpenAPI UI, static files) and are public by nature. */
const LIBRARY_ROUTES = /^\/(docs|assets)(\/|$)|^\/$|^\/\*$/

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization
  if (!h) return null
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  return m ? m[1]! : null
}

export default fp(async (app) => {
  app.decorateRequest('user', null)

  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined && !LIBRARY_ROUTES.test(route.url)) {
      throw new Error(`route ${route.method} ${route.url} does not declare config.access`)
    }
  })

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access ?? 'public'
    const token = bearer(request)
    if (token) {
      request.user = await app.db.users.findBySession(hashToken(token))
      if (!request.user && access !== 'public') throw new HttpError(401, 'bad_token', MESSAGES.badToken)
    }
    if (access === 'public') return
    if (!request.user) throw new HttpError(401, 'unauthenticated', MESSAGES.unauthenticated)
    if (!access.includes(request.user.role)) {
      throw new HttpError(403, 'forbidden', MESSAGES.forbidden(request.user.role))
    }
  })
}, { name: 'auth', dependencies: ['errors'] })

/** The counties a user may see; null means the whole city. Repositories filter in SQL with it. */
export function scopeOf(user: User | null): string[] | null {
  return user ? user.county_scope : []
}
