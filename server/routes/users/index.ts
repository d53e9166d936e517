/** User administration (用户管理), the security administrator's (安全管理员, GB/T 22239-2019 8.1.4.2
 * separated duties): accounts with a role and a county scope, changed, deactivated (their sessions
 * end at once, the process's session cache too), passwords reset (shown once, changed at the next
 * sign-in), listed with their last sign-in. Every call is in the audit trail (config.audit). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TLiteral } from '@sinclair/typebox'
import { ALL_ROLES, isLandRole, type Role } from '../../config'
import { hashPassword, newPassword } from '../../auth'
import { HttpError } from '../../errors'
import type { Account } from '../../db/repos/users'

export const SECURITY_OFFICERS: readonly Role[] = ['security']

export const USER_MESSAGES = {
  exists: (u: string) => `用户名 ${u} 已存在 / the user name ${u} is taken`,
  unknown: (u: string) => `没有用户 ${u} / no user ${u}`,
  ownAccount: '不能修改自己的角色、范围或停用自己的账户，请由另一位安全管理员操作 / you may not change your own role or scope, nor deactivate yourself: ask another security administrator',
  dutyScope: (role: string) => `角色 ${role} 不查看土地数据，不设区县范围（county_scope 须为 null）/ the role ${role} sees no land data: county_scope must be null`,
  unknownCounty: (codes: string[]) => `未知区县代码：${codes.join('、')} / unknown county codes: ${codes.join(', ')}`,
} as const

const RoleName = Type.Union(ALL_ROLES.map((r) => Type.Literal(r)) as [TLiteral<Role>, ...TLiteral<Role>[]],
  { description: 'admin 系统管理员, analyst 分析员, surveyor 测绘员, inspector 巡查员, security 安全管理员, audit 审计管理员' })
const Scope = Type.Union([Type.Null(), Type.Array(Type.String({ maxLength: 6, pattern: '^4103\\d\\d$' }), { minItems: 1, maxItems: 20, uniqueItems: true })],
  { description: '区县范围: null = the whole city (and the duty roles security/audit, which see no land data)' })
const Username = Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9_.-]{2,64}$' })

const AccountView = Type.Object({
  username: Type.String(), display_name: Type.String(), role: RoleName,
  county_scope: Type.Union([Type.Null(), Type.Array(Type.String())]), active: Type.Boolean(),
  password_must_change: Type.Boolean(), totp: Type.Boolean({ description: 'a second factor is set up' }), created_at: Type.String(),
  last_login_at: Type.Union([Type.String(), Type.Null()], { description: '最近登录 the last sign-in (Beijing time), null: never' }),
})

const view = ({ id: _id, ...a }: Account) => a

const routes: FastifyPluginAsyncTypebox = async (app) => {
  async function checkScope(role: Role, scope: string[] | null): Promise<void> {
    if (!isLandRole(role) && scope !== null) throw new HttpError(400, 'invalid_request', USER_MESSAGES.dutyScope(role), { field: 'county_scope' })
    if (!scope) return
    const known = await app.db.map('SELECT code FROM county WHERE code = ANY($1::char(6)[])', [scope], (r: { code: string }) => r.code)
    const unknown = scope.filter((c) => !known.includes(c))
    if (unknown.length) throw new HttpError(400, 'invalid_request', USER_MESSAGES.unknownCounty(unknown), { field: 'county_scope' })
  }
  async function found(username: string): Promise<Account> {
    const a = await app.db.users.account(username)
    if (!a) throw new HttpError(404, 'not_found', USER_MESSAGES.unknown(username))
    return a
  }

  app.get('/', {
    config: { access: SECURITY_OFFICERS },
    schema: { tags: ['users'], summary: '用户列表 / every account with its role, scope and last sign-in (the security role only)', response: { 200: Type.Object({ users: Type.Array(AccountView) }) } },
  }, async () => ({ users: (await app.db.users.accounts()).map(view) }))

  app.post('/', {
    config: { access: SECURITY_OFFICERS, audit: 'user_created' },
    schema: {
      tags: ['users'], summary: '新建用户 / create an account; its first password is answered once and must be changed at the first sign-in',
      body: Type.Object({
        username: Username, display_name: Type.String({ minLength: 1, maxLength: 64 }), role: RoleName, county_scope: Scope,
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ user: AccountView, password: Type.String({ description: 'shown once: give it to the user' }) }) },
    },
  }, async (request, reply) => {
    const b = request.body
    request.auditDetail = { username: b.username, role: b.role, county_scope: b.county_scope }
    await checkScope(b.role, b.county_scope)
    if (await app.db.users.account(b.username)) throw new HttpError(409, 'conflict', USER_MESSAGES.exists(b.username), { field: 'username' })
    const password = newPassword()
    await app.db.users.create({ ...b, password_hash: await hashPassword(password), password_must_change: true })
    return reply.status(201).send({ user: view(await found(b.username)), password })
  })

  app.patch('/:username', {
    config: { access: SECURITY_OFFICERS, audit: 'user_changed' },
    schema: {
      tags: ['users'], summary: '修改用户 / change an account\'s name, role, county scope, or deactivate it (its sessions end at once)',
      params: Type.Object({ username: Username }),
      body: Type.Object({
        display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), role: Type.Optional(RoleName),
        county_scope: Type.Optional(Scope), active: Type.Optional(Type.Boolean()),
        totp_reset: Type.Optional(Type.Literal(true, { description: 'remove the second factor (a lost phone): set up again at the next sign-in' })),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Type.Object({ user: AccountView }) },
    },
  }, async (request) => {
    const { username } = request.params
    const b = request.body
    request.auditDetail = { username, change: b }
    const before = await found(username)
    request.auditDetail = { username, before: { role: before.role, county_scope: before.county_scope, active: before.active, display_name: before.display_name }, change: b }
    const changesAccess = (b.role !== undefined && b.role !== before.role) || b.county_scope !== undefined || b.active === false || b.totp_reset === true
    if (before.id === request.user!.id && changesAccess) throw new HttpError(403, 'forbidden', USER_MESSAGES.ownAccount)
    const role = b.role ?? before.role
    // a duty role has no county scope: turning an account into one clears it
    const scope = b.county_scope !== undefined ? b.county_scope : isLandRole(role) ? before.county_scope : null
    await checkScope(role, scope)
    const { totp_reset: totpReset, ...change } = b
    const after = await app.db.users.update(username, { ...change, ...(scope !== before.county_scope ? { county_scope: scope } : {}) }, totpReset === true)
    app.sessions.dropUser(before.id)
    // a personal token acts with its owner's account as it is now: dropped from the cache, it is
    // looked up again at its next use (refused when deactivated, the new role and scope otherwise)
    app.personalTokens.dropUser(before.id)
    return { user: view(after) }
  })

  app.post('/:username/password-reset', {
    config: { access: SECURITY_OFFICERS, audit: 'password_reset' },
    schema: {
      tags: ['users'], summary: '重置密码 / a new password for an account, answered once; it must be changed at the next sign-in, and its sessions end',
      params: Type.Object({ username: Username }),
      response: { 200: Type.Object({ username: Type.String(), password: Type.String({ description: 'shown once: give it to the user' }) }) },
    },
  }, async (request) => {
    const { username } = request.params
    request.auditDetail = { username }
    const a = await found(username)
    const password = newPassword()
    await app.db.users.resetPassword(a.id, await hashPassword(password))
    app.sessions.dropUser(a.id)
    app.personalTokens.dropUser(a.id)
    return { username, password }
  })
}

export default routes
