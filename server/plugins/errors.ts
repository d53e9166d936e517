/** The one error handler: 4xx carry a message for the user; 5xx hide internals and are logged
 * with the request id. */
import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { HttpError, MESSAGES } from '../errors'
import { IngestError } from '../ingest/errors'

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
      return reply.status(400).send({
        statusCode: 400, code: 'invalid_request',
        message: `请求参数有误 / invalid ${fe.validationContext ?? 'request'}${field ? ` field "${field}"` : ''}: ${first?.message ?? fe.message}`,
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
