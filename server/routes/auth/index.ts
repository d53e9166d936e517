import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES, type Role } from '../../config'
import { hashToken, newToken, verifyPassword } from '../../auth'
import { HttpError, MESSAGES } from '../../errors'

const UserView = Type.Object({
  username: Type.String(),
  display_name: Type.String(),
  role: Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] }),
  county_scope: Type.Union([Type.Null(), Type.Array(Type.String())], { description: 'null: the whole city' }),
})

const Me = Type.Object({
  ...UserView.properties,
  notices: Type.Optional(Type.Array(Type.Object({
    code: Type.Union([Type.Literal('backup_missed'), Type.Literal('backup_failed')]),
    message: Type.String(),
  }), { description: 'admins only: what needs their attention' })),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/login', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'], summary: '登录 / log in, get a bearer token',
      body: Type.Object({
        username: Type.String({ minLength: 1, maxLength: 64 }),
        password: Type.String({ minLength: 1, maxLength: 256 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ token: Type.String(), expires_at: Type.String(), user: UserView }) },
    },
  }, async (request) => {
    const { username, password } = request.body
    const found = await app.db.users.findByUsername(username)
    // Verify even for an unknown user name, so that timing does not tell which names exist.
    const ok = await verifyPassword(found?.password_hash ?? DUMMY_HASH, password)
    if (!found || !found.active || !ok) throw new HttpError(401, 'bad_credentials', MESSAGES.badCredentials)
    const { token, tokenHash } = newToken()
    const { expires_at } = await app.db.users.createSession(tokenHash, found.id, app.config.sessionHours)
    const { password_hash: _h, active: _a, id: _id, ...user } = found
    return { token, expires_at: expires_at.toISOString(), user }
  })

  app.post('/logout', {
    config: { access: ROLES },
    schema: { tags: ['auth'], summary: '退出登录 / revoke this token' },
  }, async (request, reply) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (token) {
      const tokenHash = hashToken(token)
      app.sessions.drop(tokenHash)
      await app.db.users.deleteSession(tokenHash)
    }
    return reply.status(204).send()
  })

  app.get('/me', {
    config: { access: ROLES },
    schema: { tags: ['auth'], summary: '当前用户 / who am I; for admins, system notices (a missed or failed backup)', response: { 200: Me } },
  }, async (request) => {
    const user = request.user!
    return user.role === 'admin' ? { ...user, notices: await app.backups.monitor.notices() } : user
  })
}

// argon2id hash of a random string nobody knows; used only to spend the same time on unknown users.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ixG2b+6xD1fXE2w0PNgAqOvHnbUjt4Oc2T2ziJkY1Ks'

export default routes
