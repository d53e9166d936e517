/** Every route declares who may call it (`config.access`): 'public', or a list of roles.
 * A route that forgets is refused when the app is built, so none can be left open by mistake. */
import fp from 'fastify-plugin'
import { isLandRole, type Role } from '../config'
import type { SessionStage, SessionUser, User } from '../db/repos/users'
import { POLICY_MESSAGES } from '../password-policy'
import { TOTP_MESSAGES } from '../totp'
import { hashToken } from '../auth'
import { HttpError, MESSAGES } from '../errors'
import { publish, subscribe, type SessionRevoked } from '../events'
import {
  PERSONAL_TOKEN_FORMAT, PersonalTokenCache, READ_METHODS, TOKEN_IN_URL, TOKEN_MESSAGES, presented, type Credential, type TokenOwner,
} from '../personal-tokens'

export type Access = 'public' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
    /** the sign-in steps a session may be at to call this route (any route: 'ok') */
    signInStep?: readonly SessionStage[]
    /** only a password sign-in (a session) may call this route, never a personal token: one's own
     * account (password, second factor, logout) and the tokens themselves */
    sessionOnly?: boolean
  }
  interface FastifyRequest {
    user: User | null
    /** How the user signed in (null: not signed in): a session, or a personal token and its scope. */
    credential: Credential | null
    /** the caller's session: done ('ok') or at a sign-in step; null without a session */
    sessionStage: SessionStage | null
  }
  interface FastifyInstance {
    sessions: SessionCache
    personalTokens: PersonalTokenCache
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
  /** Drops a session (logout) here and, through the change channel, in every process
   * (server/events.ts, server/signals.ts). */
  drop(tokenHash: string): void {
    this.forget({ kind: 'session-revoked', tokenHash })
    publish({ kind: 'session-revoked', tokenHash })
  }
  /** Drops every cached session of an account (deactivated, its role, scope or password changed),
   * in every process: its tokens stop working at once, not after SESSION_CACHE_MS. */
  dropUser(userId: number): void {
    this.forget({ kind: 'session-revoked', userId })
    publish({ kind: 'session-revoked', userId })
  }
  /** What a revocation (of this process or another) drops here. */
  forget(m: SessionRevoked): void {
    if (m.tokenHash) this.entries.delete(m.tokenHash)
    if (m.userId !== undefined) for (const [k, e] of this.entries) if (e.user.id === m.userId) this.entries.delete(k)
  }
  clear(): void {
    this.entries.clear()
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

export default fp(async (app) => {
  app.decorateRequest('user', null)
  app.decorateRequest('credential', null)
  app.decorateRequest('sessionStage', null)
  app.decorate('sessions', new SessionCache())
  app.decorate('personalTokens', new PersonalTokenCache())
  // revocations published here or (server/signals.ts) by another process
  const unsubscribe = subscribe((m) => {
    if (m.kind === 'session-revoked') {
      app.sessions.forget(m)
      app.personalTokens.forget(m)
    } else if (m.kind === 'resync') {
      app.sessions.clear()
      app.personalTokens.clear()
    }
  })
  app.addHook('onClose', async () => unsubscribe())
  const unknownTokens = new UnknownTokens()

  /** The user of a session token and its sign-in stage; null when unknown, expired or idle. */
  async function sessionUser(token: string): Promise<SessionUser | null> {
    const tokenHash = hashToken(token)
    let user = app.sessions.get(tokenHash)
    if (user === undefined && !unknownTokens.has(tokenHash)) {
      user = (await app.db.users.findBySession(tokenHash, app.config.signIn.idleMinutes)) ?? undefined
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
      owner = (await app.db.tokens.findOwner(tokenHash, app.config.signIn.totpRequired)) ?? undefined
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
        let session = await sessionUser(creds.token)
        if (session && session.stage !== 'ok' && !request.routeOptions.config?.signInStep?.includes(session.stage)) {
          // a session with a sign-in step left (身份鉴别) may only do that step; elsewhere it is
          // refused, or on a public route (the login itself among them) seen as no one
          if (access !== 'public') throw STEP_LEFT[session.stage]()
          session = null
        }
        if (session) {
          const { stage, ...plain } = session
          user = plain
          request.sessionStage = stage
          request.credential = { kind: 'session' }
        }
      } else {
        // a personal token, as the bearer token or as HTTP Basic's password (never an account
        // password: argon2 on every page of a desktop tool, and passwords in its settings). It has
        // no sign-in steps and no idle timeout (a desktop tool pages through layers for hours);
        // what it may do is its owner's role and counties as they are now (tokenOwner)
        const owner = await tokenOwner(creds.kind === 'bearer' ? creds.token : creds.password)
        if (owner && (creds.kind === 'bearer' || creds.username.toLowerCase() === owner.user.username.toLowerCase())) {
          // the duty roles (security, audit) work only through a password sign-in with its second
          // factor: a token of theirs is refused outright (least privilege; they see no land data,
          // which is all a desktop tool reads)
          if (!isLandRole(owner.user.role)) throw new HttpError(403, 'token_not_for_role', TOKEN_MESSAGES.dutyRole(owner.user.role))
          user = owner.user
          // a token never stands in for a second factor: whoever signs in with one (their role
          // requires it, or they set one up) may only read through a token
          request.credential = { kind: 'token', id: owner.tokenId, scope: owner.secondFactor ? 'read' : owner.scope, secondFactor: owner.secondFactor }
        }
      }
      request.user = user
      if (!user && access !== 'public') {
        throw new HttpError(401, 'bad_token', creds.kind === 'basic' ? TOKEN_MESSAGES.badBasic : MESSAGES.badToken)
      }
      if (request.credential?.kind === 'token') {
        // a token never stands in for a password sign-in: the routes of one's own account and of
        // tokens themselves (config.sessionOnly) need a session
        if (request.routeOptions.config?.sessionOnly) throw new HttpError(403, 'token_needs_session', TOKEN_MESSAGES.needsSession)
        if (request.credential.scope === 'read' && !READ_METHODS.has(request.method)) {
          throw new HttpError(403, 'token_read_only', request.credential.secondFactor ? TOKEN_MESSAGES.readOnlySecondFactor : TOKEN_MESSAGES.readOnly)
        }
      }
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
