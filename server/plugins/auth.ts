/** Every route declares who may call it (`config.access`): 'public', or a list of roles.
 * A route that forgets is refused when the app is built, so none can be left open by mistake. */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Role } from '../config'
import type { User } from '../db/repos/users'
import { hashToken } from '../auth'
import { HttpError, MESSAGES } from '../errors'
import {
  PERSONAL_TOKEN_FORMAT, PersonalTokenCache, READ_METHODS, TOKEN_IN_URL, TOKEN_MESSAGES, presented, type Credential, type TokenOwner,
} from '../personal-tokens'

export type Access = 'public' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    user: User | null
    /** How the user signed in (null: not signed in): a session, or a personal token and its scope. */
    credential: Credential | null
  }
  interface FastifyInstance {
    sessions: SessionCache
    personalTokens: PersonalTokenCache
    /** "GET /api/parcels/:code" → who may call it, for every route with a declared access. */
    routeAccess: Map<string, Access>
  }
}

/** Token hash → user for a few seconds, so a burst of tile and card requests does not look the
 * session up once each. Logout drops its entry at once; a user deactivated in the database keeps
 * access in this process for at most SESSION_CACHE_MS. */
const SESSION_CACHE_MS = 5_000

export class SessionCache {
  private entries = new Map<string, { user: User; until: number }>()
  get(tokenHash: string): User | undefined {
    const e = this.entries.get(tokenHash)
    if (!e) return undefined
    if (e.until < Date.now()) {
      this.entries.delete(tokenHash)
      return undefined
    }
    return e.user
  }
  set(tokenHash: string, user: User): void {
    if (this.entries.size > 10_000) this.entries.clear()
    this.entries.set(tokenHash, { user, until: Date.now() + SESSION_CACHE_MS })
  }
  drop(tokenHash: string): void {
    this.entries.delete(tokenHash)
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

export default fp(async (app) => {
  app.decorateRequest('user', null)
  app.decorateRequest('credential', null)
  app.decorate('sessions', new SessionCache())
  app.decorate('personalTokens', new PersonalTokenCache())
  const unknownTokens = new UnknownTokens()

  async function sessionUser(token: string): Promise<User | null> {
    if (!TOKEN_FORMAT.test(token)) return null
    const tokenHash = hashToken(token)
    let user = app.sessions.get(tokenHash)
    if (user === undefined && !unknownTokens.has(tokenHash)) {
      user = (await app.db.users.findBySession(tokenHash)) ?? undefined
      if (user) app.sessions.set(tokenHash, user)
      else unknownTokens.add(tokenHash)
    }
    return user ?? null
  }

  async function tokenOwner(token: string): Promise<TokenOwner | null> {
    if (!PERSONAL_TOKEN_FORMAT.test(token)) return null
    const tokenHash = hashToken(token)
    let owner = app.personalTokens.get(tokenHash)
    if (owner === undefined && !unknownTokens.has(tokenHash)) {
      owner = (await app.db.tokens.findOwner(tokenHash)) ?? undefined
      if (owner) app.personalTokens.set(tokenHash, owner)
      else unknownTokens.add(tokenHash)
    }
    return owner ?? null
  }

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
    // a token in a URL ends up in logs, proxies and histories: refused, whoever's it is
    if (TOKEN_IN_URL.test(request.url)) throw new HttpError(400, 'token_in_url', TOKEN_MESSAGES.inUrl)
    const access = request.routeOptions.config?.access ?? 'public'
    const creds = presented(request)
    if (creds && creds.kind !== 'malformed') {
      let user: User | null = null
      if (creds.kind === 'bearer' && TOKEN_FORMAT.test(creds.token)) {
        user = await sessionUser(creds.token)
        if (user) request.credential = { kind: 'session' }
      } else {
        // a personal token, as the bearer token or as HTTP Basic's password (never an account
        // password: argon2 on every page of a desktop tool, and passwords in its settings)
        const owner = await tokenOwner(creds.kind === 'bearer' ? creds.token : creds.password)
        if (owner && (creds.kind === 'bearer' || creds.username.toLowerCase() === owner.user.username.toLowerCase())) {
          user = owner.user
          request.credential = { kind: 'token', id: owner.tokenId, scope: owner.scope }
        }
      }
      request.user = user
      if (!user && access !== 'public') {
        throw new HttpError(401, 'bad_token', creds.kind === 'basic' ? TOKEN_MESSAGES.badBasic : MESSAGES.badToken)
      }
      if (request.credential?.kind === 'token' && request.credential.scope === 'read' && !READ_METHODS.has(request.method)) {
        throw new HttpError(403, 'token_read_only', TOKEN_MESSAGES.readOnly)
      }
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
