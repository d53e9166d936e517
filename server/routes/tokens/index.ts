/** Personal access tokens (个人访问令牌) for desktop tools: list mine, make one (shown once),
 * revoke one; an admin lists and revokes anyone's. Making and revoking need a sign-in with the
 * account password (a session), so a leaked token cannot make more of itself or hide its tracks.
 * server/personal-tokens.ts says how tokens are sent and checked. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import { HttpError } from '../../errors'
import { newPersonalToken, signsInWithSecondFactor, TOKEN_MESSAGES } from '../../personal-tokens'
import type { TokenRow } from '../../db/repos/tokens'

/** Live tokens a user may hold at once. */
export const MAX_LIVE_TOKENS = 20
/** A token lives at most a year (and by default 90 days): a forgotten one stops by itself. */
export const MAX_TOKEN_DAYS = 366
export const DEFAULT_TOKEN_DAYS = 90

const Scope = Type.Union([Type.Literal('read'), Type.Literal('read_write')], {
  description: 'read: GET only (map layers, OGC API, exports); read_write: whatever your role may do',
})

const TokenView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: '令牌开头，用于辨认 / the first characters of the token, to tell it apart' }),
  scope: Scope,
  state: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  username: Type.Optional(Type.String({ description: 'the owner (in the admin list)' })),
})

const Created = Type.Composite([TokenView, Type.Object({
  token: Type.String({ description: '令牌本身，只显示这一次 / the token itself, shown this once only: OneMap keeps only its SHA-256' }),
})])

const view = (r: TokenRow, withOwner = false) => ({
  id: Number(r.id), name: r.name, prefix: r.display_prefix, scope: r.scope, state: r.state,
  created_at: r.created_at.toISOString(), expires_at: r.expires_at.toISOString(),
  last_used_at: r.last_used_at?.toISOString() ?? null, revoked_at: r.revoked_at?.toISOString() ?? null,
  ...(withOwner && r.username ? { username: r.username } : {}),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: ROLES },
    schema: { tags: ['auth'], summary: '我的个人访问令牌 / my personal access tokens (never the tokens themselves)', response: { 200: Type.Array(TokenView) } },
  }, async (request) => (await app.db.tokens.list(request.user!.id)).map((r) => view(r)))

  app.get('/all', {
    config: { access: ['admin'] },
    schema: { tags: ['auth'], summary: '全部个人访问令牌（管理员）/ everyone\'s personal access tokens, with their owners (admin)', response: { 200: Type.Array(TokenView) } },
  }, async () => (await app.db.tokens.list(null)).map((r) => view(r, true)))

  // making and revoking are in the audit trail (config.audit), the token's name, scope and
  // owner with them, never the token
  app.post('/', {
    config: { access: ROLES, sessionOnly: true, audit: 'token_created' },
    schema: {
      tags: ['auth'],
      summary: '新建个人访问令牌 / make a personal access token for QGIS, ArcGIS Pro or GDAL (needs a password sign-in); the token is in this answer only',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 64, pattern: '\\S', description: '用途，如“办公室 QGIS” / what it is for, e.g. "office QGIS"' }),
        scope: Type.Optional(Scope),
        expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_DAYS, description: `days it stays valid (default ${DEFAULT_TOKEN_DAYS})` })),
      }, { additionalProperties: false }),
      response: { 201: Created },
    },
  }, async (request, reply) => {
    const user = request.user!
    const name = request.body.name.trim()
    const scope = request.body.scope ?? 'read'
    const days = request.body.expires_in_days ?? DEFAULT_TOKEN_DAYS
    request.auditDetail = { name, scope, days }
    if (scope === 'read_write') {
      // a token never stands in for the second factor of whoever signs in with one
      const account = await app.db.users.findByUsername(user.username)
      if (account && signsInWithSecondFactor(account.role, account.totp_enrolled, app.config.signIn.totpRequired)) {
        throw new HttpError(400, 'invalid_request', TOKEN_MESSAGES.readWriteSecondFactor, { field: 'scope' })
      }
    }
    const made = newPersonalToken()
    let row: TokenRow | null
    try {
      row = await app.db.tokens.create({
        userId: user.id, name, tokenHash: made.tokenHash, displayPrefix: made.displayPrefix, scope, days, max: MAX_LIVE_TOKENS,
      })
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new HttpError(409, 'token_name_taken', TOKEN_MESSAGES.nameTaken(name), { field: 'name' })
      throw e
    }
    if (!row) throw new HttpError(409, 'too_many_tokens', TOKEN_MESSAGES.tooMany(MAX_LIVE_TOKENS))
    request.auditDetail = { name, scope, days, id: Number(row.id), prefix: row.display_prefix }
    // shown once: nothing may keep this answer
    reply.header('cache-control', 'no-store')
    return reply.status(201).send({ ...view(row), token: made.token })
  })

  app.delete('/:id', {
    config: { access: ROLES, sessionOnly: true, audit: 'token_revoked' },
    schema: {
      tags: ['auth'], summary: '撤销个人访问令牌 / revoke a token: yours, or anyone\'s as an admin (needs a password sign-in)',
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
    },
  }, async (request, reply) => {
    const user = request.user!
    request.auditDetail = { id: request.params.id }
    const done = await app.db.tokens.revoke(request.params.id, user.role === 'admin' ? null : user.id, user.id)
    if (!done) throw new HttpError(404, 'not_found', TOKEN_MESSAGES.notFound(request.params.id))
    request.auditDetail = { id: Number(done.id), owner_id: Number(done.user_id) }
    app.personalTokens.dropToken(Number(done.id))
    return reply.status(204).send()
  })
}
export default routes
