import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import { ALL_ROLES, type Role } from '../../config'
import { hashPassword, hashToken, newToken, verifyPassword } from '../../auth'
import { mustChange, policyProblem, POLICY_MESSAGES } from '../../password-policy'
import { HttpError, MESSAGES } from '../../errors'
import { LoginThrottle, type Refusal } from '../../login-throttle'
import { ErrorBody } from '../../schemas/common'

const UserView = Type.Object({
  username: Type.String(),
  display_name: Type.String(),
  role: Type.Unsafe<Role>({ type: 'string', enum: [...ALL_ROLES] }),
  county_scope: Type.Union([Type.Null(), Type.Array(Type.String())], { description: 'null: the whole city' }),
})

const Me = Type.Object({
  ...UserView.properties,
  notices: Type.Optional(Type.Array(Type.Object({
    code: Type.Union([Type.Literal('backup_missed'), Type.Literal('backup_failed')]),
    message: Type.String(),
  }), { description: 'admins only: what needs their attention' })),
})

function refusalError(r: Refusal): HttpError {
  const minutes = Math.max(1, Math.ceil(r.retryAfter / 60))
  const message = !r.locked ? MESSAGES.loginDelayed(r.retryAfter)
    : r.scope === 'account' ? MESSAGES.accountLocked(minutes) : MESSAGES.addressLocked(minutes)
  return new HttpError(429, r.locked ? 'login_locked' : 'login_delayed', message, { retry_after: r.retryAfter, scope: r.scope })
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = app.config.login
  const throttle = new LoginThrottle(settings)
  // A flood guard per address over every login request, right or wrong; the counts of failures
  // below slow down and lock. Only the login route has it.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new HttpError(429, 'too_many_requests', MESSAGES.tooManyLogins(Math.ceil(context.ttl / 1000))),
  })

  // before a sign-in succeeds the actor is the name typed (unknown names too)
  const record = (kind: string, request: FastifyRequest, username: string, detail: Record<string, unknown> = {}, userId: number | null = null,
    result: 'ok' | 'refused' | 'failed' = 'refused') =>
    app.audit({ kind, username, userId, role: null, object: `user:${username.slice(0, 60)}`, result, detail }, request)

  app.post('/login', {
    config: { access: 'public', rateLimit: { max: settings.perMinute, timeWindow: 60_000 } },
    schema: {
      tags: ['auth'], summary: '登录 / log in, get a bearer token (failed logins slow down, then lock: 429 with Retry-After)',
      body: Type.Object({
        username: Type.String({ minLength: 1, maxLength: 64 }),
        password: Type.String({ minLength: 1, maxLength: 256 }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          token: Type.String(), expires_at: Type.String(), user: UserView,
          password_change_required: Type.Boolean({ description: 'true: this token may only change the password (POST /api/auth/password), set by someone else or expired' }),
        }),
        429: Type.Composite([ErrorBody], { description: 'too many failed logins: a delay or a lock, for Retry-After seconds' }),
      },
    },
  }, async (request, reply) => {
    const { username, password } = request.body
    const address = request.ip
    const refusal = throttle.check(username, address)
    if (refusal) {
      // refused without a look at the password; it counts, so hammering reaches the lock sooner
      const locked = throttle.refused(refusal, username, address)
      await record(locked ? `login_locked_${refusal.scope}` : 'login_refused', request, username, { retry_after: refusal.retryAfter, scope: refusal.scope, locked: refusal.locked })
      const now = throttle.check(username, address) ?? refusal
      reply.header('retry-after', String(now.retryAfter))
      throw refusalError(now)
    }
    const found = await app.db.users.findByUsername(username)
    // Verify even for an unknown user name, so that timing does not tell which names exist.
    const ok = await verifyPassword(found?.password_hash ?? DUMMY_HASH, password)
    if (!found || !found.active || !ok) {
      const started = throttle.fail(username, address)
      await record('login_failed', request, username, { reason: !found ? 'unknown_user' : !found.active ? 'inactive' : 'wrong_password' }, found?.id ?? null, 'failed')
      if (started.accountLocked) await record('login_locked_account', request, username, {}, found?.id ?? null)
      if (started.addressLocked) await record('login_locked_address', request, username)
      throw new HttpError(401, 'bad_credentials', MESSAGES.badCredentials)
    }
    throttle.succeed(username)
    const { token, tokenHash } = newToken()
    const change = mustChange(found, app.config.signIn)
    const { expires_at } = await app.db.users.createSession(tokenHash, found.id, app.config.sessionHours, change ? 'password' : 'ok', address)
    const { password_hash: _h, active: _a, id: _id, password_must_change: _m, password_changed_at: _c, ...user } = found
    await app.db.users.signedIn(found.id)
    await app.audit({ kind: 'login', username: found.username, userId: found.id, role: found.role, object: `user:${found.username}`, detail: { password_change_required: change } }, request)
    return { token, expires_at: expires_at.toISOString(), user, password_change_required: change }
  })

  app.post('/password', {
    config: { access: ALL_ROLES, signInStep: true, audit: 'password_changed' },
    schema: {
      tags: ['auth'], summary: '修改密码 / change one\'s own password (the password policy applies; other sessions end)',
      body: Type.Object({
        current: Type.String({ minLength: 1, maxLength: 256 }),
        password: Type.String({ minLength: 1, maxLength: 256, description: 'the new password' }),
      }, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const user = request.user!
    const { current, password } = request.body
    const found = (await app.db.users.findByUsername(user.username))!
    if (!(await verifyPassword(found.password_hash, current))) throw new HttpError(400, 'wrong_password', POLICY_MESSAGES.wrongCurrent, { field: 'current' })
    if (password === current) throw new HttpError(400, 'password_policy', POLICY_MESSAGES.same, { field: 'password' })
    const problem = policyProblem(password, user.username, app.config.signIn)
    if (problem) throw new HttpError(400, 'password_policy', problem, { field: 'password' })
    const n = app.config.signIn.passwordHistory
    for (const old of n > 0 ? await app.db.users.recentPasswords(user.id, n) : []) {
      if (await verifyPassword(old, password)) throw new HttpError(400, 'password_policy', POLICY_MESSAGES.reused(n), { field: 'password' })
    }
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? ''
    await app.db.users.changePassword(user.id, await hashPassword(password), hashToken(token))
    app.sessions.dropUser(user.id)
    return reply.status(204).send()
  })

  app.post('/logout', {
    config: { access: ALL_ROLES, signInStep: true },
    schema: { tags: ['auth'], summary: '退出登录 / revoke this token' },
  }, async (request, reply) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (token) {
      const tokenHash = hashToken(token)
      app.sessions.drop(tokenHash)
      await app.db.users.deleteSession(tokenHash)
      await app.audit({ kind: 'logout', object: `user:${request.user!.username}` }, request)
    }
    return reply.status(204).send()
  })

  app.get('/me', {
    config: { access: ALL_ROLES, signInStep: true },
    schema: { tags: ['auth'], summary: '当前用户 / who am I; for admins, system notices (a missed or failed backup)', response: { 200: Me } },
  }, async (request) => {
    const user = request.user!
    return user.role === 'admin' ? { ...user, notices: await app.backups.monitor.notices() } : user
  })
}

// argon2id hash of a random string nobody knows; used only to spend the same time on unknown users.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ixG2b+6xD1fXE2w0PNgAqOvHnbUjt4Oc2T2ziJkY1Ks'

export default routes
