/** The audit trail for the audit role only (审计管理员, GB/T 22239-2019 8.1.4.3 c/d): the events,
 * filtered, as JSON or CSV; the chain check. Nobody else reads it, the system administrator and
 * the security administrator included (separated duties). Reading it is itself recorded. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Role } from '../../config'
import type { AuditFilter } from '../../db/repos/audit'
import { toCsv } from '../../governance/csv'
import { FileAnswer, IsoDate, MEDIA } from '../../schemas/common'

export const AUDITORS: readonly Role[] = ['audit']

const Filter = Type.Object({
  kind: Type.Optional(Type.Array(Type.String({ maxLength: 40, pattern: '^[a-z_]{1,40}$' }), { maxItems: 20, description: 'event kinds, e.g. login_failed, user_created, export' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: '操作人 the actor\'s user name (or the name typed at a login)' })),
  result: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')])),
  object: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the object (case-insensitive)' })),
  from: Type.Optional(IsoDate),
  to: Type.Optional(IsoDate),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'events before this seq (the next page)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 200 })),
  archived: Type.Optional(Type.Boolean({ default: false, description: 'include the archived events (older than the retention)' })),
}, { additionalProperties: false })

const Event = Type.Object({
  seq: Type.Integer(), at: Type.String({ description: 'Beijing time' }), kind: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()]), actor_role: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]), object: Type.Union([Type.String(), Type.Null()]),
  result: Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')]),
  request_id: Type.Union([Type.String(), Type.Null()]), detail: Type.Record(Type.String(), Type.Unknown()),
  archived: Type.Boolean(), hash: Type.String(),
})

const Problem = Type.Object({
  seq: Type.Integer(), id: Type.Integer(),
  problem: Type.Union([Type.Literal('edited'), Type.Literal('missing'), Type.Literal('unlinked'), Type.Literal('archive_differs')]),
  detail: Type.String(),
})

function filterOf(q: { kind?: string[]; actor?: string; result?: 'ok' | 'refused' | 'failed'; object?: string; from?: string; to?: string; before?: number; limit?: number; archived?: boolean }): AuditFilter {
  return {
    kinds: q.kind?.length ? q.kind : null, actor: q.actor ?? null, result: q.result ?? null, object: q.object ?? null,
    from: q.from ?? null, to: q.to ?? null, before: q.before ?? null, limit: q.limit ?? 200, archived: q.archived ?? false,
  }
}

const HEADER = ['序号 seq', '时间 at', '事件 kind', '操作人 actor', '角色 role', '地址 address', '对象 object', '结果 result', '请求 request_id', '详情 detail', '哈希 hash']

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: AUDITORS, audit: 'audit_read' },
    schema: {
      tags: ['audit'], summary: '审计记录 / the audit trail, newest first (the audit role only)', querystring: Filter,
      response: { 200: Type.Object({ events: Type.Array(Event), next_before: Type.Union([Type.Integer(), Type.Null()]) }) },
    },
  }, async (request) => {
    const f = filterOf(request.query)
    const events = await app.db.audit.list(f)
    request.auditDetail = { rows: events.length }
    return { events, next_before: events.length === f.limit ? events.at(-1)!.seq : null }
  })

  app.get('/export.csv', {
    config: { access: AUDITORS, audit: 'audit_export' },
    schema: {
      tags: ['audit'], summary: '导出审计记录 CSV / the audit trail as CSV (UTF-8 with BOM; the audit role only)', querystring: Filter,
      response: { 200: FileAnswer([MEDIA.csv], 'RFC 4180, UTF-8 with BOM') },
    },
  }, async (request, reply) => {
    const events = await app.db.audit.list({ ...filterOf(request.query), limit: request.query.limit ?? 10_000 })
    request.auditDetail = { rows: events.length }
    const csv = toCsv(HEADER, events.map((e) => [e.seq, e.at, e.kind, e.actor, e.actor_role, e.address, e.object, e.result, e.request_id, JSON.stringify(e.detail), e.hash]))
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit.csv"; filename*=UTF-8''${encodeURIComponent('审计记录.csv')}`).send(csv)
  })

  app.get('/check', {
    config: { access: AUDITORS, audit: 'audit_check' },
    schema: {
      tags: ['audit'], summary: '审计记录完整性校验 / checks the hash chain: every row edited, missing or unlinked (the audit role only)',
      response: {
        200: Type.Object({
          whole: Type.Boolean(), problems: Type.Array(Problem),
          head: Type.Object({
            seq: Type.Union([Type.Integer(), Type.Null()]), hash: Type.Union([Type.String(), Type.Null()]),
            live: Type.Integer(), archived: Type.Integer(), live_since: Type.Union([Type.String(), Type.Null()]),
          }, { description: 'the newest event: keep its seq and hash elsewhere to notice rows cut off the end' }),
        }),
      },
    },
  }, async (request) => {
    const [problems, head] = await Promise.all([app.db.audit.check(), app.db.audit.head()])
    request.auditDetail = { problems: problems.length }
    return { whole: problems.length === 0, problems, head }
  })
}

export default routes
