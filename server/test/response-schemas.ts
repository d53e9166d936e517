/** Every JSON answer the tests receive is checked against the response schema its route declares,
 * the one the OpenAPI document (/docs) publishes. Most answers are JSON text built by PostGIS and
 * sent as they are (Fastify does not serialise strings), so nothing else would notice a schema
 * that drifts from the SQL: here the test that received such an answer fails, naming the route,
 * the status and the mismatches (server/test/setup.ts). */
import Ajv, { type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'

const ajv = new Ajv({ allErrors: true, strict: false })
addFormats(ajv)
const compiled = new WeakMap<object, ValidateFunction>()

/** Mismatches seen since the last check, one line each. */
export const violations: string[] = []

function schemaFor(response: unknown, status: number): object | undefined {
  if (!response || typeof response !== 'object') return undefined
  const r = response as Record<string, object | undefined>
  return r[String(status)] ?? r[`${String(status)[0]}xx`] ?? r.default
}

function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema)
  if (!v) {
    v = ajv.compile(schema)
    compiled.set(schema, v)
  }
  return v
}

export function checkResponses(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const schema = schemaFor(request.routeOptions.schema?.response, reply.statusCode)
    const type = String(reply.getHeader('content-type') ?? '')
    if (schema && typeof payload === 'string' && type.includes('json')) {
      const validate = validatorFor(schema)
      if (!validate(JSON.parse(payload))) {
        violations.push(`${request.method} ${request.routeOptions.url} → ${reply.statusCode}: ` +
          ajv.errorsText(validate.errors!.slice(0, 8), { separator: '; ' }))
      }
    }
    done(null, payload)
  })
}
