import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import { ALL_ROLES, DUTY_ROLES, type Role } from '../../config'
import type { SessionStage } from '../../db/repos/users'
import { codeStep, isRecoveryCode, newEnrolment, newRecoveryCodes, recoveryHash, TOTP_MESSAGES } from '../../totp'
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
  sign_in_step: Type.Union([Type.Literal('ok'), Type.Literal('totp'), Type.Literal('enrol'), Type.Literal('password')], {
    description: 'ok, or the sign-in step this token must do first (as the login\'s next)',
  }),
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
          password_change_required: Type.Boolean({ description: 'true: the password must be changed (POST /api/auth/password): set by someone else, or expired' }),
          next: Type.Union([Type.Literal('ok'), Type.Literal('totp'), Type.Literal('enrol'), Type.Literal('password')], {
            description: 'the sign-in step this token is at: ok (done), totp (POST /api/auth/totp), enrol (set up a second factor: POST /api/auth/totp/enrol, then /confirm), password (POST /api/auth/password)',
          }),
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
    // the second factor first, then its set-up where the role requires one, then a forced password change
    const next: SessionStage = found.totp_enrolled ? 'totp'
      : app.config.signIn.totpRequired && DUTY_ROLES.includes(found.role) ? 'enrol' : change ? 'password' : 'ok'
    const { expires_at } = await app.db.users.createSession(tokenHash, found.id, app.config.sessionHours, next, address)
    const { password_hash: _h, active: _a, id: _id, password_must_change: _m, password_changed_at: _c, totp_enrolled: _t, ...user } = found
    await app.db.users.signedIn(found.id)
    await app.audit({ kind: 'login', username: found.username, userId: found.id, role: found.role, object: `user:${found.username}`, detail: { password_change_required: change, next } }, request)
    return { token, expires_at: expires_at.toISOString(), user, password_change_required: change, next }
  })

  app.post('/password', {
    config: { access: ALL_ROLES, sessionOnly: true, signInStep: ['password'], audit: 'password_changed' },
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

  // what comes after the second factor: a forced password change, or nothing
  const afterSecondFactor = async (username: string): Promise<'ok' | 'password'> =>
    mustChange((await app.db.users.findByUsername(username))!, app.config.signIn) ? 'password' : 'ok'
  const tokenHashOf = (request: FastifyRequest) => hashToken(/^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '')
  const Code = Type.Object({
    code: Type.String({ minLength: 6, maxLength: 24, description: 'the 6 digits of the authenticator app, or a recovery code XXXX-XXXX-XXXX-XXXX' }),
  }, { additionalProperties: false })

  app.post('/totp', {
    config: { access: ALL_ROLES, sessionOnly: true, signInStep: ['totp'], audit: 'totp_verified' },
    schema: {
      tags: ['auth'], summary: '动态口令 / the second factor of a sign-in: a TOTP code or a recovery code (each used once)',
      body: Code,
      response: { 200: Type.Object({ next: Type.Union([Type.Literal('ok'), Type.Literal('password')]), recovery_codes_left: Type.Integer() }) },
    },
  }, async (request) => {
    const user = request.user!
    if (request.sessionStage !== 'totp') throw new HttpError(409, 'conflict', TOTP_MESSAGES.noStep)
    const address = request.ip
    const refusal = throttle.check(user.username, address)
    if (refusal) {
      throttle.refused(refusal, user.username, address)
      throw refusalError(throttle.check(user.username, address) ?? refusal)
    }
    const code = request.body.code.trim()
    const state = await app.db.users.totp(user.id)
    let ok = false
    let method = 'code'
    if (/^\d{6}$/.test(code)) {
      const step = state.secret ? await codeStep(state.secret, code, state.last_step) : null
      ok = step !== null && await app.db.users.acceptTotpStep(user.id, step)
    } else if (isRecoveryCode(code)) {
      method = 'recovery'
      ok = await app.db.users.useRecoveryCode(user.id, recoveryHash(code))
    }
    request.auditDetail = { method }
    if (!ok) {
      throttle.fail(user.username, address)
      throw new HttpError(400, 'wrong_code', TOTP_MESSAGES.wrongCode, { field: 'code' })
    }
    throttle.succeed(user.username)
    const next = await afterSecondFactor(user.username)
    const tokenHash = tokenHashOf(request)
    await app.db.users.setStage(tokenHash, next)
    app.sessions.drop(tokenHash)
    return { next, recovery_codes_left: await app.db.users.recoveryCodesLeft(user.id) }
  })

  app.post('/totp/enrol', {
    config: { access: ALL_ROLES, sessionOnly: true, signInStep: ['enrol'], audit: 'totp_enrol_started' },
    schema: {
      tags: ['auth'], summary: '绑定动态口令 / start setting up a second factor: a new secret and its QR code for an authenticator app (confirmed by /confirm)',
      response: { 200: Type.Object({ secret: Type.String(), uri: Type.String(), qr_svg: Type.String({ description: 'the otpauth URI as an SVG QR code' }) }) },
    },
  }, async (request) => {
    const user = request.user!
    if ((await app.db.users.totp(user.id)).secret) throw new HttpError(409, 'conflict', TOTP_MESSAGES.enrolled)
    const enrolment = await newEnrolment(app.config.signIn.totpIssuer, user.username)
    await app.db.users.setPendingTotp(user.id, enrolment.secret)
    return enrolment
  })

  app.post('/totp/confirm', {
    config: { access: ALL_ROLES, sessionOnly: true, signInStep: ['enrol'], audit: 'totp_enrolled' },
    schema: {
      tags: ['auth'], summary: '确认绑定 / confirm the set-up with a first code: answers the recovery codes, once',
      body: Code,
      response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()), next: Type.Union([Type.Literal('ok'), Type.Literal('password')]) }) },
    },
  }, async (request) => {
    const user = request.user!
    const state = await app.db.users.totp(user.id)
    if (state.secret) throw new HttpError(409, 'conflict', TOTP_MESSAGES.enrolled)
    if (!state.pending) throw new HttpError(409, 'conflict', TOTP_MESSAGES.noPending)
    const step = await codeStep(state.pending, request.body.code.trim(), null)
    if (step === null) throw new HttpError(400, 'wrong_code', TOTP_MESSAGES.wrongCode, { field: 'code' })
    const codes = newRecoveryCodes()
    await app.db.users.confirmTotp(user.id, step, codes.map(recoveryHash))
    let next: 'ok' | 'password' = 'ok'
    if (request.sessionStage === 'enrol') {
      next = await afterSecondFactor(user.username)
      const tokenHash = tokenHashOf(request)
      await app.db.users.setStage(tokenHash, next)
      app.sessions.drop(tokenHash)
    }
    return { recovery_codes: codes, next }
  })

  app.post('/logout', {
    config: { access: ALL_ROLES, signInStep: ['password', 'totp', 'enrol'] },
    schema: { tags: ['auth'], summary: '退出登录 / revoke this token (a session; with a personal token nothing happens: revoke it at /api/tokens)' },
  }, async (request, reply) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (token && request.credential?.kind === 'session') {
      const tokenHash = hashToken(token)
      // the row first: a process told of the drop before it is gone would look it up and cache it again
      await app.db.users.deleteSession(tokenHash)
      app.sessions.drop(tokenHash)
      await app.audit({ kind: 'logout', object: `user:${request.user!.username}` }, request)
    }
    return reply.status(204).send()
  })

  app.get('/me', {
    config: { access: ALL_ROLES, signInStep: ['password', 'totp', 'enrol'] },
    schema: { tags: ['auth'], summary: '当前用户 / who am I; for admins, system notices (a missed or failed backup)', response: { 200: Me } },
  }, async (request) => {
    const user = { ...request.user!, sign_in_step: request.sessionStage ?? 'ok' }
    return user.role === 'admin' ? { ...user, notices: await app.backups.monitor.notices() } : user
  })
}

// argon2id hash of a random string nobody knows; used only to spend the same time on unknown users.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ixG2b+6xD1fXE2w0PNgAqOvHnbUjt4Oc2T2ziJkY1Ks'

export default routes
