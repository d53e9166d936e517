/** The audit trail's one entry point (安全审计, GB/T 22239-2019 8.1.4.3): `app.audit(event, request)`
 * writes one event of security_event (append-only, hash-chained: sql/migrations/940), with the
 * time, the actor and their role, the address, the object and the result. A route that only needs
 * "who called it, on what, with which outcome" declares `config.audit: '<kind>'` instead, and may
 * add figures of its own (rows, fields) in `request.auditDetail`; its event is written before the
 * answer goes out, refused and failed calls included. */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { AuditResult } from '../db/repos/audit'

export interface AuditEvent {
  /** what happened, lower_snake_case: login, user_created, export, figures_read… */
  kind: string
  /** what it is about: "user:analyst.li", "parcels.xlsx", "setting:disclosure" */
  object?: string | null
  result?: AuditResult
  detail?: Record<string, unknown>
  /** the actor when there is no signed-in user (a login: the name typed); else request.user */
  username?: string | null
  userId?: number | null
  role?: string | null
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the kind of event written for every call of this route (see the file's comment) */
    audit?: string
  }
  interface FastifyRequest {
    /** more about a call of an audited route: rows exported, sensitive fields included… */
    auditDetail: Record<string, unknown> | null
  }
  interface FastifyInstance {
    /** Writes one event of the audit trail; the actor, role and address come from `request`
     * (its signed-in user) unless the event names them. Awaited: an event that cannot be written
     * fails the action that wanted it recorded. */
    audit(event: AuditEvent, request?: FastifyRequest | null): Promise<void>
  }
}

/** The outcome of an answered call, as the trail names it. */
export function resultOf(statusCode: number): AuditResult {
  return statusCode < 400 ? 'ok' : statusCode === 401 || statusCode === 403 || statusCode === 429 ? 'refused' : 'failed'
}

export default fp(async (app) => {
  app.decorateRequest('auditDetail', null)
  app.decorate('audit', async (event: AuditEvent, request?: FastifyRequest | null) => {
    const user = request?.user ?? null
    await app.db.audit.append({
      kind: event.kind,
      username: event.username !== undefined ? event.username : user?.username ?? null,
      userId: event.userId !== undefined ? event.userId : user?.id ?? null,
      role: event.role !== undefined ? event.role : user?.role ?? null,
      address: request?.ip ?? null,
      object: event.object ?? null,
      result: event.result ?? 'ok',
      requestId: request ? String(request.id) : null,
      detail: event.detail ?? {},
    })
  })
  // onSend, not onResponse: the event is in the trail before the answer leaves (refusals and
  // errors too, which reach onSend through the error handler); one that cannot be written fails
  // the request rather than leave an action unrecorded
  app.addHook('onSend', async (request, reply, payload) => {
    const kind = request.routeOptions.config?.audit
    if (!kind) return payload
    await app.audit({
      kind, object: `${request.method} ${request.url}`.slice(0, 200), result: resultOf(reply.statusCode),
      detail: { status: reply.statusCode, ...(request.auditDetail ?? {}) },
    }, request)
    return payload
  })
}, { name: 'audit', dependencies: ['auth'] })
