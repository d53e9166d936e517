/** Every route declares who may call it (`config.access`): 'public', or a list of roles.
 * A route that forgets is refused when the app is built, so none can be left open by mistake. */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { isLandRole, type Role } from '../config'
import type { SessionStage, SessionUser, User } from '../db/repos/users'
import { POLICY_MESSAGES } from '../password-policy'
import { TOTP_MESSAGES } from '../totp'
import { hashToken } from '../auth'
import { HttpError, MESSAGES } from '../errors'

export type Access = 'public' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
    /** the sign-in steps a session may be at to call this route (any route: 'ok') */
    signInStep?: readonly SessionStage[]
  }
  interface FastifyRequest {
    user: User | null
    /** the caller's session: done ('ok') or at a sign-in step; null without a session */
    sessionStage: SessionStage | null
  }
  interface FastifyInstance {
    sessions: SessionCache
    /** "GET /api/parcels/:code" → who may call it, for every route with a declared access. */
    routeAccess: Map<string, Access>
  }
}

/** Token hash → user for a few seconds, so a burst of tile and card requests does not look the
 * session up once each. Logout drops its entry at once, and so does every change made through user
 * administration (dropUser); only a change made in the database behind the application's back
 * leaves a token working in this process for at most SESSION_CACHE_MS. */
const SESSION_CACHE_MS = 5_000

export class SessionCache {
  private entries = new Map<string, { user: SessionUser; until: number }>()
  get(tokenHash: string): SessionUser | undefined {
    const e = this.entries.get(tokenHash)
    if (!e) return undefined
    if (e.until < Date.now()) {
      this.entries.delete(tokenHash)
      return undefined
    }
    return e.user
  }
  set(tokenHash: string, user: SessionUser): void {
    if (this.entries.size > 10_000) this.entries.clear()
    this.entries.set(tokenHash, { user, until: Date.now() + SESSION_CACHE_MS })
  }
  drop(tokenHash: string): void {
    this.entries.delete(tokenHash)
  }
  /** Drops every cached session of an account (deactivated, its role, scope or password changed):
   * its tokens stop working at once, not after SESSION_CACHE_MS. */
  dropUser(userId: number): void {
    for (const [k, e] of this.entries) if (e.user.id === userId) this.entries.delete(k)
  }
}

/** Tokens are 32 random bytes in base64url (server/auth.ts newToken): anything else is refused
 * without a look-up. */
export const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/

/** Token hashes looked up and not found, for a while: a junk token sent again and again (a broken
 * client, a scanner) costs no database round trip. A token is 256 random bits: none just issued
 * can be among them. Logout needs no entry here (it drops the session itself). */
const UNKNOWN_CACHE_MS = 30_000

export class UnknownTokens {
  private entries = new Map<string, number>()
  has(tokenHash: string): boolean {
    const until = this.entries.get(tokenHash)
    if (until === undefined) return false
    if (until < Date.now()) {
      this.entries.delete(tokenHash)
      return false
    }
    return true
  }
  add(tokenHash: string): void {
    if (this.entries.size > 10_000) this.entries.clear()
    this.entries.set(tokenHash, Date.now() + UNKNOWN_CACHE_MS)
  }
}

/** Routes that belong to libraries (OpenAPI UI, static files) and are public by nature. */
const LIBRARY_ROUTES = /^\/(docs|assets)(\/|$)|^\/$|^\/\*$/

const STEP_LEFT: Record<Exclude<SessionStage, 'ok'>, () => HttpError> = {
  password: () => new HttpError(403, 'password_change_required', POLICY_MESSAGES.mustChange),
  totp: () => new HttpError(403, 'totp_required', TOTP_MESSAGES.required),
  enrol: () => new HttpError(403, 'totp_enrolment_required', TOTP_MESSAGES.enrolRequired),
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization
  if (!h) return null
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  return m ? m[1]! : null
}

export default fp(async (app) => {
  app.decorateRequest('user', null)
  app.decorateRequest('sessionStage', null)
  app.decorate('sessions', new SessionCache())
  const unknownTokens = new UnknownTokens()

  app.decorate('routeAccess', new Map<string, Access>())
  app.addHook('onRoute', (route) => {
    const access = route.config?.access
    if (access === undefined) {
      if (!LIBRARY_ROUTES.test(route.url)) throw new Error(`route ${route.method} ${route.url} does not declare config.access`)
      return
    }
    for (const method of [route.method].flat()) app.routeAccess.set(`${method} ${route.url}`, access)
  })

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access ?? 'public'
    const token = bearer(request)
    if (token) {
      let user: SessionUser | null | undefined = null
      if (TOKEN_FORMAT.test(token)) {
        const tokenHash = hashToken(token)
        user = app.sessions.get(tokenHash)
        if (user === undefined && !unknownTokens.has(tokenHash)) {
          user = await app.db.users.findBySession(tokenHash, app.config.signIn.idleMinutes)
          if (user) app.sessions.set(tokenHash, user)
          else unknownTokens.add(tokenHash)
        }
      }
      if (user && user.stage !== 'ok' && !request.routeOptions.config?.signInStep?.includes(user.stage)) {
        // a session with a sign-in step left (身份鉴别) may only do that step; elsewhere it is
        // refused, or on a public route (the login itself among them) seen as no one
        if (access !== 'public') throw STEP_LEFT[user.stage]()
        user = null
      }
      request.sessionStage = user?.stage ?? null
      if (user) {
        const { stage: _s, ...plain } = user
        request.user = plain
      } else request.user = null
      if (!request.user && access !== 'public') throw new HttpError(401, 'bad_token', MESSAGES.badToken)
    }
    if (access === 'public') {
      // the security and audit roles see no land data (separated duties): on a public route
      // they are shown what anyone is, never what a signed-in land role is
      if (request.user && !isLandRole(request.user.role)) request.user = null
      return
    }
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
