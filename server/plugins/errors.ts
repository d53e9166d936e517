/** The one error handler: 4xx carry a message for the user; 5xx hide internals and are logged
 * with the request id. */
import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { HttpError, MESSAGES } from '../errors'
import { IngestError } from '../ingest/errors'
import { DATE_RANGE } from './input'

/** The value at an Ajv instancePath ("/a/0/b") of a request part, cut to 40 characters for a message. */
function valueAt(root: unknown, instancePath: string): string {
  let v: unknown = root
  for (const key of instancePath.split('/').slice(1)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined
  return String(v ?? '').slice(0, 40)
}

export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({
        statusCode: err.statusCode, code: err.code, message: err.message,
        ...(err.detail !== undefined ? { detail: err.detail } : {}),
      })
    }
    if (err instanceof IngestError) {
      // An upload refused with something to choose from (the zones of a CRS) carries it along.
      return reply.status(err.status).send({
        statusCode: err.status, code: err.code, message: err.message, ...(err.exposed ? { detail: err.detail } : {}),
      })
    }
    const fe = err as FastifyError
    if (fe.validation) {
      const first = fe.validation[0]
      const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined
      const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : ''
      const named = params?.missingProperty ?? params?.additionalProperty
      const field = [path, named].filter(Boolean).join('.')
      const context = fe.validationContext ?? 'request'
      const format = (first?.params as { format?: string } | undefined)?.format
      const part = (request as unknown as Record<string, unknown>)[context === 'querystring' ? 'query' : context]
      // a date names itself and the range it must lie in (plugins/input.ts: 1900–2100)
      const why = first?.keyword === 'format' && (format === 'date' || format === 'date-time')
        ? `${field} ${JSON.stringify(valueAt(part, first.instancePath))} 不是 ${DATE_RANGE.from}–${DATE_RANGE.to} 年间的有效日期 / ${field} ${JSON.stringify(valueAt(part, first.instancePath))} is not a calendar date between ${DATE_RANGE.from} and ${DATE_RANGE.to} (YYYY-MM-DD)`
        : first?.message ?? fe.message
      return reply.status(400).send({
        statusCode: 400, code: 'invalid_request',
        message: `请求参数有误 / invalid ${context}${field ? ` field "${field}"` : ''}: ${why}`,
        detail: fe.validation,
      })
    }
    const status = fe.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ statusCode: status, code: fe.code ?? 'bad_request', message: fe.message })
    }
    request.log.error({ err, reqId: request.id }, 'request failed')
    return reply.status(500).send({ statusCode: 500, code: 'internal', message: MESSAGES.internal, requestId: request.id })
  })

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ statusCode: 404, code: 'not_found', message: MESSAGES.routeNotFound(request.method, request.url) })
  })
}, { name: 'errors' })
