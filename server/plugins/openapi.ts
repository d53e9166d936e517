/** OpenAPI document from the routes' TypeBox schemas, served with Swagger UI at /docs.
 *
 * What a route says once is put into the document here, in one place:
 * - who may call it: `config.access` becomes the operation's security requirement (the bearer
 *   scheme; optional on public routes, whose answers may depend on who asks), so Swagger UI's
 *   Authorize sends the token;
 * - a request body Fastify does not parse (a multipart form, a file as the body): `schema.documentBody`,
 *   shown in the document only;
 * - JSON Schema forms that OpenAPI 3.0 words differently (a numeric exclusiveMinimum). */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TSchema } from '@sinclair/typebox'

declare module 'fastify' {
  interface FastifySchema {
    /** A request body described for the document only (multipart forms, files sent as the body):
     * its media types and its schema. Fastify does not validate it; the handler reads it. */
    documentBody?: { consumes: string[]; schema: TSchema }
  }
}

export const BEARER = 'bearer'

/** OpenAPI 3.0 (JSON Schema draft 4 words): exclusiveMinimum/Maximum are booleans beside
 * minimum/maximum, where Ajv (draft 7) takes the bound itself. */
function toOpenApi30(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) toOpenApi30(n)
    return
  }
  if (!node || typeof node !== 'object') return
  const o = node as Record<string, unknown>
  for (const [bound, flag] of [['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum']] as const) {
    if (typeof o[flag] === 'number') {
      o[bound] = o[flag]
      o[flag] = true
    }
  }
  for (const v of Object.values(o)) toOpenApi30(v)
}

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'OneMap 产业集聚区用地提质增效一张图 API',
        description: 'Industrial-cluster land efficiency: parcels, approval batches, supply, idle and inefficient land, per-mu tax, patrol alerts.\n\n' +
          'Log in with `POST /api/auth/login`, then Authorize with the token: every operation that needs it says so (bearer).',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          [BEARER]: { type: 'http', scheme: 'bearer', description: 'the token of POST /api/auth/login (Authorization: Bearer <token>)' },
        },
      },
    },
    transform({ schema, url, route }) {
      if (!schema) return { schema, url }
      const access = route.config?.access
      const { documentBody, ...rest } = schema as typeof schema & { documentBody?: { consumes: string[]; schema: TSchema } }
      const out: Record<string, unknown> = {
        ...rest,
        // public: a token is optional (tiles and lists answer more to a role that may see more)
        security: access === undefined || access === 'public' ? [{}, { [BEARER]: [] }] : [{ [BEARER]: [] }],
      }
      if (documentBody) {
        out.body = documentBody.schema
        out.consumes = documentBody.consumes
      }
      return { schema: out as typeof schema, url }
    },
    transformObject(document) {
      // a copy: the document shares schema objects with the routes, whose validators must keep Ajv's words
      const doc = JSON.parse(JSON.stringify('openapiObject' in document ? document.openapiObject : document.swaggerObject)) as Record<string, unknown>
      toOpenApi30(doc.paths)
      toOpenApi30(doc.components)
      return doc
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'openapi' })
